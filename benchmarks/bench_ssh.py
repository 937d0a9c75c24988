"""The per-job cost of SSH and transfers: the demo notebook on this machine vs over two loopback
"hosts" (each its own sshd on 127.0.0.1), side by side in one run.

    .venv/bin/python benchmarks/bench_ssh.py [--values 8] [--rounds 2] [--login-shell-delay 0.1] [--input-mb 20]

Both sweeps have 2 job slots in all. Per-job time is parallel's JobRuntime from the joblog: for the
SSH sweep it includes sending the job's files, the remote command, returning the results and the
cleanup. Time outside run-one (JobRuntime minus the duration run-one records) isolates what parallel,
ssh and rsync add to each job from the kernels' own run-to-run noise.

The demo notebook runs from a copy beside a data/ folder of --input-mb MB of random bytes, declared
as its INPUTS: each sweep has a fresh OUTPUT, so it sends them to each host once, before its first
job; that cost is reported per host, apart from the per-job figures, and so is the cost of a rerun
that finds them unchanged.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from sshd import LoopbackHosts  # noqa: E402
from jupyterstream.collect.joblog import job_of  # noqa: E402

CLI = Path(sys.executable).parent / "jupyterstream"
STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA"]


def sweep(notebook, output, values, extra):
    """Run one demo sweep; return (wall seconds, [JobRuntime of each job], [what each job spent
    outside run-one: JobRuntime minus the duration in its status record])."""
    start = time.perf_counter()
    subprocess.run([str(CLI), "run", str(notebook), str(values), "-o", str(output), "--inputs", "data/", *extra],
                   cwd=REPO, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    rows = [line.split("\t") for line in (output / "joblog.tsv").read_text().splitlines()]
    inside = {}
    for path in (output / "status").glob("*.json"):
        record = json.loads(path.read_text())
        inside[record["job"]] = record["duration"]
    runtimes = [float(row[3]) for row in rows]
    outside = [float(row[3]) - inside[job_of(row[8])[0]] for row in rows]
    return wall, runtimes, outside


def demo_with_inputs(folder, megabytes):
    """A copy of the demo notebook beside data/ holding ``megabytes`` MB of random bytes (4 files)."""
    (folder / "data").mkdir(parents=True)
    shutil.copy(REPO / "notebooks" / "births.ipynb", folder / "births.ipynb")
    for n in range(4):
        with open(folder / "data" / f"part{n}.bin", "wb") as handle:
            for _ in range(megabytes):
                handle.write(os.urandom(250_000))
    return folder / "births.ipynb"


def input_sends(output):
    """{host: (files, bytes, seconds)} of every input rsync in OUTPUT/inputs-sent.tsv, last per host."""
    rows = [line.split("\t") for line in (output / "inputs-sent.tsv").read_text().splitlines()]
    return {row[1]: (int(row[2]), int(row[3]), float(row[4])) for row in rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--login-shell-delay", type=float, default=0,
                        help="seconds the hosts' ~/.bashrc sleeps (a slow login shell, as conda init makes)")
    parser.add_argument("--input-mb", type=int, default=20, help="MB of input files the notebook is given")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-ssh-"))
    slow = {name: f"sleep {args.login_shell_delay}\n" for name in ("alpha", "beta")} if args.login_shell_delay else {}
    hosts = LoopbackHosts(scratch / "hosts", down=(), bashrc=slow).start()
    try:
        notebook = demo_with_inputs(scratch / "project", args.input_mb)
        values = scratch / "values.txt"
        values.write_text("\n".join(STATES[:args.values]) + "\n")
        servers = scratch / "servers.txt"
        servers.write_text("1/alpha\n1/beta\n")
        remote = ["--servers", "2", "--servers-file", str(servers), "--ssh", hosts.ssh_command,
                  "--remote-python", sys.executable]
        local_jobs, remote_jobs, local_walls, remote_walls, local_out, remote_out = [], [], [], [], [], []
        sends = []
        for round_ in range(args.rounds):
            for name, extra, jobs, walls, outs in (
                    ("local", ["--jobs", "2"], local_jobs, local_walls, local_out),
                    ("ssh", remote, remote_jobs, remote_walls, remote_out)):
                wall, times, outside = sweep(notebook, scratch / f"{name}-{round_}", values, extra)
                jobs += times
                walls.append(wall)
                outs += outside
            sends.append(input_sends(scratch / f"ssh-{round_}"))
        last = scratch / f"ssh-{args.rounds - 1}"
        subprocess.run([str(CLI), "run", str(notebook), str(values), "-o", str(last), "--inputs", "data/", "--only",
                        STATES[0], "--rerun-ok", *remote], cwd=REPO, check=True, capture_output=True, text=True)
        unchanged = input_sends(last)
        local, ssh = statistics.median(local_jobs), statistics.median(remote_jobs)
        print(f"{args.values} demo jobs x {args.rounds} rounds, 2 slots each way")
        print(f"per job, median: this machine {local:.2f} s, over ssh {ssh:.2f} s: "
              f"ratio {ssh / local:.2f} ({(ssh - local):.2f} s of ssh and transfers per job)")
        here, there = statistics.median(local_out), statistics.median(remote_out)
        print(f"per job outside run-one (JobRuntime minus the status record's duration), median: "
              f"this machine {here:.2f} s, over ssh {there:.2f} s: ssh and transfers add {there - here:.2f} s "
              f"a job, ratio {(local + there - here) / local:.2f} on the median job here (steadier than the "
              "ratio above, which also carries the kernels' own noise)")
        print(f"sweep wall, median: this machine {statistics.median(local_walls):.1f} s, "
              f"over ssh {statistics.median(remote_walls):.1f} s "
              f"(ratio {statistics.median(remote_walls) / statistics.median(local_walls):.2f}; the ssh sweep "
              "includes its preflight check)")
        for host in sorted(unchanged):
            full = [round_[host] for round_ in sends]
            print(f"inputs to {host} (once per sweep, before its first job; not in the per-job figures): "
                  f"{full[0][0]} files, {full[0][1] / 1e6:.1f} MB in {statistics.median(f[2] for f in full):.2f} s "
                  f"(median of {len(full)}); a rerun with them unchanged: {unchanged[host][0]} files, "
                  f"{unchanged[host][1]} B in {unchanged[host][2]:.2f} s")
    finally:
        hosts.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
