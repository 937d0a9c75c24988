"""Throwaway OpenSSH servers on 127.0.0.1 for tests and benchmarks: one sshd per host alias, each
with its own keys, config, port, environment and home folder, stopped by PID. Nothing in /etc/ssh
is touched.

Every alias logs in as the user running the tests, but with HOME set to a folder of its own whose
.bashrc moves there: the work folders parallel makes on a "host" (~/.parallel/tmp/...) are then that
host's alone, as on separate machines, and the login shell that every ssh call starts (bash reads
~/.bashrc for commands run by sshd) is a plain one, like a compute account's, rather than whatever
this machine's own ~/.bashrc runs."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from support import descendants

SSHD = "/usr/sbin/sshd"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackHosts:
    """Host aliases (e.g. alpha, beta), each served by its own sshd; plus aliases that are down."""

    def __init__(self, folder, names=("alpha", "beta"), down=("gamma",), env=None, bashrc=None):
        self.folder = Path(folder)
        self.names, self.down = list(names), list(down)
        self.env = env or {}
        self.bashrc = bashrc or {}  # alias -> extra lines for its ~/.bashrc
        self.ports = {name: free_port() for name in self.names + self.down}
        self.processes = {}
        self.config = self.folder / "ssh_config"

    def start(self, timeout=20):
        """Make keys and configs, start one sshd per live alias, wait until each takes a login."""
        if not os.path.exists(SSHD):
            raise RuntimeError(f"{SSHD} is missing: install openssh-server (make test does)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._keygen("client_key")
        shutil.copy(self.folder / "client_key.pub", self.folder / "authorized_keys")
        self._write_client_config()
        os.makedirs("/run/sshd", exist_ok=True)
        for name in self.names:
            self._start_one(name)
        deadline = time.time() + timeout
        for name in self.names:
            while self.ssh(name, "true", timeout=10).returncode != 0:
                if time.time() > deadline or self.processes[name].poll() is not None:
                    self.stop()
                    raise RuntimeError(f"sshd for {name} did not take a login: "
                                       f"{(self.folder / name / 'sshd.log').read_text()}")
                time.sleep(0.2)
        return self

    def _keygen(self, name, folder=None):
        path = (folder or self.folder) / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)

    def home(self, name):
        """The home folder (and login folder) of an alias: where its ~/.parallel/tmp lives."""
        return self.folder / name / "home"

    def _start_one(self, name):
        home = self.folder / name
        self.home(name).mkdir(parents=True, exist_ok=True)
        (self.home(name) / ".bashrc").write_text('cd "$HOME" || exit 1\n' + self.bashrc.get(name, ""))
        self._keygen("host_key", home)
        lines = ["ListenAddress 127.0.0.1", f"Port {self.ports[name]}", f"HostKey {home / 'host_key'}",
                 f"AuthorizedKeysFile {self.folder / 'authorized_keys'}", f"PidFile {home / 'sshd.pid'}",
                 "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
                 "StrictModes no", "PermitRootLogin prohibit-password", "MaxStartups 100:30:200",
                 "MaxSessions 100", "LogLevel ERROR"]
        # Separate machines share no /tmp: each host keeps its own warm-kernel templates.
        env = {"HOME": str(self.home(name)), "JUPYTERSTREAM_WARM_DIR": str(self.home(name) / "warm"),
               **self.env.get(name, {})}
        lines.append("SetEnv " + " ".join(f"{k}={v}" for k, v in env.items()))
        (home / "sshd_config").write_text("\n".join(lines) + "\n")
        with open(self.folder / "known_hosts", "a") as known:
            kind, key = (home / "host_key.pub").read_text().split()[:2]
            known.write(f"[127.0.0.1]:{self.ports[name]} {kind} {key}\n")
        self.processes[name] = subprocess.Popen([SSHD, "-D", "-f", str(home / "sshd_config"), "-E",
                                                 str(home / "sshd.log")], start_new_session=True)

    def _write_client_config(self):
        blocks = []
        for alias, port in self.ports.items():
            blocks += [f"Host {alias}", "  HostName 127.0.0.1", f"  Port {port}", "  User root",
                       f"  IdentityFile {self.folder / 'client_key'}", "  IdentitiesOnly yes",
                       f"  UserKnownHostsFile {self.folder / 'known_hosts'}", "  StrictHostKeyChecking yes",
                       "  BatchMode yes", "  ConnectTimeout 5", "  LogLevel ERROR", ""]
        self.config.write_text("\n".join(blocks))

    @property
    def ssh_command(self):
        """The SSH=... value that reaches these hosts."""
        return f"ssh -F {self.config}"

    def ssh(self, alias, *command, timeout=20):
        """Run a command on an alias; return the CompletedProcess."""
        return subprocess.run(["ssh", "-F", str(self.config), alias, *command], capture_output=True,
                              text=True, timeout=timeout)

    def kill(self, name):
        """Take one host down at once: its sshd and every session it serves (SIGKILL by PID)."""
        process = self.processes.get(name)
        if process and process.poll() is None:
            for pid in [process.pid, *descendants(process.pid)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()

    def stop(self):
        """Stop every sshd (and the sessions they started) by PID."""
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
