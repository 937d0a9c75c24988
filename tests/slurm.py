"""A throwaway Slurm cluster on 127.0.0.1 for tests and benchmarks: one slurmctld and one slurmd
per node name, each on its own port, every state, spool, pid and log file in one folder, stopped
by pid. munged is started when it is not running (it is the machine's, and left running). Nothing
in /etc/slurm is touched: every command gets the cluster's slurm.conf through SLURM_CONF.

Both nodes live on this machine and see one filesystem, as the nodes of a cluster see a shared home
or scratch folder. A node's every process (its slurmd, its step daemons, the jobs they run) carries
JUPYTERSTREAM_TEST_NODE=NAME in its environment, so that ``kill_node`` can take one node down at
once, as if the machine had failed."""

import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path

from sshd import free_port

NODE_MARK = "JUPYTERSTREAM_TEST_NODE"
SBIN = "/usr/sbin"


def installed():
    """True when slurmctld, slurmd and munged are installed (make test installs slurm-wlm and munge)."""
    return all(os.path.exists(f"{SBIN}/{name}") for name in ("slurmctld", "slurmd", "munged"))


def ensure_munged(timeout=10):
    """Start munged (as the munge user) unless a credential can already be made and read."""
    if _munge_works():
        return
    os.makedirs("/run/munge", exist_ok=True)
    user = pwd.getpwnam("munge")
    os.chown("/run/munge", user.pw_uid, user.pw_gid)
    subprocess.run(["runuser", "-u", "munge", "--", f"{SBIN}/munged"], check=True, capture_output=True)
    deadline = time.time() + timeout
    while not _munge_works():
        if time.time() > deadline:
            raise RuntimeError("munged did not start: see /var/log/munge/munged.log")
        time.sleep(0.1)


def _munge_works():
    try:
        made = subprocess.run(["munge", "-n"], capture_output=True, timeout=5)
        return made.returncode == 0 and subprocess.run(["unmunge"], input=made.stdout, capture_output=True,
                                                       timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class LoopbackCluster:
    """A Slurm cluster of ``nodes`` (names), each with ``cpus`` CPUs, all on this machine."""

    def __init__(self, folder, nodes=("n1", "n2"), cpus=2, slurmd_timeout=5):
        self.folder = Path(folder)
        self.nodes, self.cpus, self.slurmd_timeout = list(nodes), cpus, slurmd_timeout
        self.conf = self.folder / "slurm.conf"
        self.processes = {}

    @property
    def env(self):
        """The environment every Slurm command of this cluster runs with."""
        return dict(os.environ, SLURM_CONF=str(self.conf))

    def start(self, timeout=30):
        """Write slurm.conf, start slurmctld and a slurmd per node, wait until sinfo shows them idle."""
        if not installed():
            raise RuntimeError("Slurm is not installed: apt-get install slurm-wlm munge (make test does)")
        ensure_munged()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_conf()
        self._daemon("slurmctld", [f"{SBIN}/slurmctld", "-D", "-i", "-f", str(self.conf)], {})
        for node in self.nodes:
            self._daemon(node, [f"{SBIN}/slurmd", "-D", "-N", node, "-f", str(self.conf)], {NODE_MARK: node})
        self.wait_idle(timeout)
        return self

    def _write_conf(self):
        host, state = socket.gethostname(), self.folder / "state"
        for sub in ("state", "spool", "log"):
            (self.folder / sub).mkdir(exist_ok=True)
        lines = [
            "ClusterName=loopback", f"SlurmctldHost={host}(127.0.0.1)", f"SlurmctldPort={free_port()}",
            "SlurmUser=root", "SlurmdUser=root", "AuthType=auth/munge", "MpiDefault=none",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU", "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none", "SchedulerType=sched/backfill",
            "SlurmdParameters=config_overrides", "ReturnToService=2", "MinJobAge=30", "KillWait=5",
            f"SlurmdTimeout={self.slurmd_timeout}", "InactiveLimit=0", "MessageTimeout=5",
            f"StateSaveLocation={state}", f"SlurmdSpoolDir={self.folder / 'spool'}/%n",
            f"SlurmctldPidFile={self.folder / 'slurmctld.pid'}", f"SlurmdPidFile={self.folder / 'slurmd-%n.pid'}",
            f"SlurmctldLogFile={self.folder / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={self.folder / 'log' / 'slurmd-%n.log'}",
        ]
        lines += [f"NodeName={node} NodeHostname={host} NodeAddr=127.0.0.1 Port={free_port()} CPUs={self.cpus} "
                  "State=UNKNOWN" for node in self.nodes]
        lines.append(f"PartitionName=debug Nodes={','.join(self.nodes)} Default=YES MaxTime=INFINITE State=UP")
        self.conf.write_text("\n".join(lines) + "\n")

    def _daemon(self, name, argv, extra):
        log = open(self.folder / "log" / f"{name}.out", "ab")
        self.processes[name] = subprocess.Popen(argv, env=dict(self.env, **extra), stdout=log, stderr=log,
                                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def wait_idle(self, timeout=30, nodes=None):
        """Wait until every node (or those named) is idle; raise RuntimeError with sinfo's word if not."""
        nodes, deadline, seen = nodes or self.nodes, time.time() + timeout, ""
        while time.time() < deadline:
            states = self.node_states()
            seen = " ".join(f"{n}={states.get(n, '?')}" for n in nodes)
            if all(states.get(n, "").startswith("idle") for n in nodes):
                return
            for name, process in self.processes.items():
                if process.poll() is not None and (name == "slurmctld" or name in nodes):
                    raise RuntimeError(f"{name} exited {process.returncode}: {self.log_tail(name)}")
            time.sleep(0.3)
        raise RuntimeError(f"the cluster's nodes are not idle after {timeout} s ({seen}): {self.log_tail('slurmctld')}")

    def node_states(self):
        """node name -> its state as sinfo says it (idle, alloc, mix, down*, ...)."""
        result = self.run("sinfo", "--noheader", "--Node", "--format=%N %t", timeout=10)
        return dict(line.split() for line in result.stdout.splitlines() if len(line.split()) == 2)

    def run(self, *argv, timeout=60, **kwargs):
        """Run a Slurm command (sinfo, squeue, sbatch, salloc, scancel) against this cluster."""
        kwargs.setdefault("env", self.env)
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, **kwargs)

    def log_tail(self, name, lines=8):
        """The last lines of a daemon's log (slurmctld, or a node's slurmd)."""
        path = self.folder / "log" / (f"{name}.log" if name == "slurmctld" else f"slurmd-{name}.log")
        try:
            return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return f"no log at {path}"

    def job_state(self, job_id):
        """A job's state (PENDING, RUNNING, COMPLETED, CANCELLED, NODE_FAIL, ...), or '' once forgotten."""
        result = self.run("scontrol", "show", "job", str(job_id), "--oneliner", timeout=10)
        for word in result.stdout.split():
            if word.startswith("JobState="):
                return word.split("=", 1)[1]
        return ""

    def drained(self):
        """node name -> why Slurm drained it (sinfo -R), for nodes drained by Slurm itself."""
        result = self.run("sinfo", "--noheader", "--list-reasons", "--format=%N|%E", timeout=10)
        return dict(line.split("|", 1) for line in result.stdout.splitlines() if "|" in line)

    def resume_drained(self):
        """Return to service a node that Slurm drained because a job's processes took longer to end than
        UnkillableStepTimeout ("Kill task failed": on a loaded machine, the batch step of a job requeued
        after a node failure), as a site's health check would; the names resumed."""
        found = [node for node, why in self.drained().items() if "Kill task failed" in why]
        for node in found:
            self.run("scontrol", "update", f"NodeName={node}", "State=RESUME", timeout=10)
        return found

    def wait_job(self, job_id, timeout, until_not=None):
        """Wait until a job has ended (or, with ``until_not``, left that state); return its state. A node
        drained for "Kill task failed" meanwhile is returned to service (resume_drained)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.resume_drained()
            state = self.job_state(job_id)
            if until_not and state and state not in (until_not, "COMPLETING", "CONFIGURING"):
                return state
            if state and state not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED"):
                return state
            time.sleep(0.5)
        steps = self.run("squeue", "--steps", "--noheader", f"--jobs={job_id}", timeout=10).stdout.strip()
        raise TimeoutError(f"Slurm job {job_id} still {self.job_state(job_id)} after {timeout} s; its steps: "
                           f"{steps or 'none'}; nodes: {self.node_states()}; drained: {self.drained() or 'none'}")

    def node_pids(self, node):
        """Pids of every process of a node: its slurmd, its step daemons and what they run."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                try:
                    env = Path("/proc", entry, "environ").read_bytes().split(b"\0")
                except OSError:
                    continue
                if f"{NODE_MARK}={node}".encode() in env or f"SLURMD_NODENAME={node}".encode() in env:
                    found.append(int(entry))
        return found

    def kill_node(self, node):
        """Take a node down at once, as a machine that fails: SIGKILL its slurmd and all it runs."""
        for pid in self.node_pids(node):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.processes[node].wait()

    def restart_node(self, node, timeout=30):
        """Start a killed node's slurmd again and wait until it is idle."""
        self._daemon(node, [f"{SBIN}/slurmd", "-D", "-N", node, "-f", str(self.conf)], {NODE_MARK: node})
        self.run("scontrol", "update", f"NodeName={node}", "State=RESUME", timeout=10)
        self.wait_idle(timeout, nodes=[node])

    def stop(self):
        """Stop the slurmds, then slurmctld, by pid (SIGTERM, then SIGKILL); and every node's leftovers."""
        names = [n for n in self.processes if n != "slurmctld"] + ["slurmctld"]
        for name in names:
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for node in self.nodes:
            for pid in self.node_pids(node):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
