"""Notebooks that read and write their own files: each run works in a run folder of its own with the
notebook's inputs linked in, and what it writes comes home to OUTPUT/files/ID/, here and over SSH
(real kernels, real GNU parallel, two loopback sshd "hosts" with separate homes and no shared folder)."""

import csv
import json
import sys
from pathlib import Path

import nbformat
import pytest

from support import run_cli
from sshd import LoopbackHosts

pytestmark = pytest.mark.ssh

READ_AND_WRITE = '''import os
import matplotlib.pyplot as plt
from jupyterstream import record
x = open("data/x.csv").read().split()[1]
k = open("../shared.csv").read().split()[1]
with open("out.csv", "w") as handle:
    handle.write(f"{state},{int(x) + int(k)}\\n")
fig, ax = plt.subplots()
ax.plot([1, int(k)])
fig.savefig("figure.png")
plt.close(fig)
record("cwd", os.getcwd())'''


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """alpha and beta, each its own sshd and home folder."""
    servers = LoopbackHosts(tmp_path_factory.mktemp("sshd") / "hosts", down=()).start()
    try:
        yield servers
    finally:
        servers.stop()


def write_notebook(path, code, parameters='state = "CA"'):
    """A notebook with a parameters cell and one code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def project(tmp_path):
    """project/analysis/nb.ipynb reading data/x.csv and ../shared.csv, writing out.csv and figure.png."""
    root = tmp_path / "project"
    (root / "analysis" / "data").mkdir(parents=True)
    (root / "analysis" / "data" / "x.csv").write_text("a\n1\n")
    (root / "shared.csv").write_text("k\n7\n")
    return write_notebook(root / "analysis" / "nb.ipynb", READ_AND_WRITE)


def over_ssh(hosts, tmp_path, *logins):
    servers = tmp_path / "servers.txt"
    servers.write_text("".join(f"{login}\n" for login in logins))
    return ["--servers", str(len(logins)), "--servers-file", str(servers), "--ssh", hosts.ssh_command,
            "--remote-python", sys.executable]


def records(output):
    return {p.stem: json.loads(p.read_text()) for p in (output / "status").glob("*.json")}


def joblog(output):
    rows = [line.split("\t") for line in (output / "joblog.tsv").read_text().splitlines()]
    return [row for row in rows if row[0].isdigit()]


def sent(output):
    """Rows of inputs-sent.tsv: (sweep, host, files, bytes)."""
    rows = [line.split("\t") for line in (output / "inputs-sent.tsv").read_text().splitlines()]
    return [(row[0], row[1], int(row[2]), int(row[3])) for row in rows]


def test_a_notebook_reading_and_writing_its_own_files_runs_the_same_here_and_over_two_hosts(
        hosts, tmp_path, project, values):
    table = values("AL", "CA")
    here = run_cli("run", project, table, "-o", tmp_path / "here", "--jobs", "2")
    assert here.returncode == 0, here.stderr
    there = run_cli("run", project, table, "-o", tmp_path / "there",
                    *over_ssh(hosts, tmp_path, "1/alpha", "1/beta"))
    assert there.returncode == 0, there.stderr
    assert "../shared.csv, data/x.csv" in there.stderr  # found in the code, and said so
    for output in (tmp_path / "here", tmp_path / "there"):
        for job, total in (("AL", "AL,8\n"), ("CA", "CA,8\n")):
            assert (output / "files" / job / "out.csv").read_text() == total
            assert (output / "files" / job / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            listed = records(output)[job]["files"]
            assert [f["name"] for f in listed] == ["figure.png", "out.csv"]
            assert listed[1]["size"] == len(total)
    # the notebook's folder holds only what the user put there
    assert sorted(p.name for p in project.parent.iterdir()) == ["data", "nb.ipynb"]
    assert (project.parent / "data" / "x.csv").read_text() == "a\n1\n"
    with open(tmp_path / "there" / "metrics.csv", newline="") as handle:
        cwds = {row["job"]: row["metrics.cwd"] for row in csv.DictReader(handle)}
    with open(tmp_path / "there" / "runs.csv", newline="") as handle:
        ran_on = {row["job"]: row["host"] for row in csv.DictReader(handle)}
    assert set(ran_on.values()) == {"alpha", "beta"}
    for job, cwd in cwds.items():  # the kernel worked in the notebook's folder's path inside its run folder
        work = Path(cwd).parents[len(project.parent.parts) - 2]
        assert work.parts[-2:] == (".work", job) and Path(cwd) == work / project.parent.relative_to("/")
        assert Path(cwd).is_relative_to(hosts.home(ran_on[job]))


def test_twenty_runs_writing_the_same_file_name_each_keep_their_own(tmp_path, values):
    notebook = write_notebook(tmp_path / "nb" / "same.ipynb", 'open("result.txt", "w").write(state)')
    names = [f"v{n:02d}" for n in range(1, 21)]
    result = run_cli("run", notebook, values(*names), "-o", tmp_path / "out", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    for name in names:
        assert (tmp_path / "out" / "files" / name / "result.txt").read_text() == name
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["same.ipynb"]


def test_a_200_mb_input_folder_is_sent_once_per_host_and_a_rerun_sends_nothing(hosts, tmp_path, values):
    project = tmp_path / "big"
    (project / "data").mkdir(parents=True)
    with open(project / "data" / "big.bin", "wb") as handle:  # sparse: 200 MB that take no disk
        handle.truncate(200_000_000)
    (project / "data" / "small.csv").write_text("a\n1\n")
    notebook = write_notebook(project / "size.ipynb", "import os\nfrom jupyterstream import record\n"
                              "record('size', os.path.getsize('data/big.bin') + len(open('data/small.csv').read()))")
    output, table = tmp_path / "out", values("AL", "CA", "NY", "DC")
    remote = over_ssh(hosts, tmp_path, "1/alpha", "1/beta") + ["--inputs", "data/"]
    check = run_cli("check-servers", notebook, "-o", output, *remote)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "has 0 of 2 files; would send 2 files, 200.0 MB" in check.stdout
    first = run_cli("run", notebook, table, "-o", output, *remote)
    assert first.returncode == 0, first.stderr
    rows = sent(output)
    assert sorted((host, files, volume) for _, host, files, volume in rows) == \
        [("alpha", 2, 200_000_004), ("beta", 2, 200_000_004)]
    # each job sent only its own notebook and the runner (parallel's Send column), not the data
    assert len(joblog(output)) == 4 and all(int(row[4]) < 1_000_000 for row in joblog(output))
    with open(output / "metrics.csv", newline="") as handle:
        assert {row["metrics.size"] for row in csv.DictReader(handle)} == {"200000004"}
    again = run_cli("run", notebook, table, "-o", output, "--rerun-ok", *remote)
    assert again.returncode == 0, again.stderr
    second = [row for row in sent(output) if row[0] != rows[0][0]]
    assert sorted((host, files, volume) for _, host, files, volume in second) == [("alpha", 0, 0), ("beta", 0, 0)]
    assert "inputs: up to date (2 files, 200.0 MB), nothing sent" in again.stderr
    check = run_cli("check-servers", notebook, "-o", output, *remote)
    assert "has 2 of 2 files; would send 0 files, 0 B" in check.stdout


def test_a_run_whose_files_exceed_the_limit_is_reported_and_the_others_are_untouched(hosts, tmp_path, values):
    notebook = write_notebook(tmp_path / "nb" / "writes.ipynb", 'open("blob.bin", "wb").write(b"x" * int(n))',
                              parameters="n = 10")
    output = tmp_path / "out"
    result = run_cli("run", notebook, values("10", "2000000"), "-o", output, "--param", "n",
                     "--files-limit", "1MB", *over_ssh(hosts, tmp_path, "1/alpha", "1/beta"))
    assert result.returncode == 1, result.stderr
    kept = records(output)
    assert kept["10"]["status"] == "ok" and (output / "files" / "10" / "blob.bin").stat().st_size == 10
    big = kept["2000000"]
    assert big["status"] == "job-error" and big["files"] == [] and big["files_bytes"] == 2_000_000
    assert "over the limit of 1.0 MB" in big["message"] and "FILES_LIMIT" in big["message"]
    assert not (output / "files" / "2000000").exists()
    assert (output / "runs" / "2000000.ipynb").exists()  # the notebook itself still came home
    # the same notebook would write as much on any host: it was not retried elsewhere
    assert len(joblog(output)) == 2


def test_preview_over_servers_shows_the_inputs_and_warns_of_nothing(tmp_path, project, values):
    servers = tmp_path / "servers.txt"
    servers.write_text("1/alpha\n1/beta\n")
    result = run_cli("preview", project, values(*[f"v{n}" for n in range(30)]), "-o", tmp_path / "out",
                     "--servers", "2", "--servers-file", servers)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stdout + result.stderr
    assert "# inputs (found in the notebook's code; declare them with INPUTS=...): ../shared.csv, data/x.csv: " \
           "2 files, 8 B, sent once per host" in result.stdout
    per_job = [line for line in result.stdout.splitlines() if "run-one" in line and not line.startswith("cd ")]
    assert len(per_job) == 20 and all("--inputs '~/.jupyterstream/input-files/" in line for line in per_job)
    assert not (tmp_path / "out").exists()  # a preview writes nothing


def test_with_a_shared_filesystem_nothing_is_sent_and_the_runs_still_get_their_files(hosts, tmp_path, project, values):
    output = tmp_path / "out"
    result = run_cli("run", project, values("AL", "CA"), "-o", output, "--shared-fs",
                     *over_ssh(hosts, tmp_path, "1/alpha", "1/beta"))
    assert result.returncode == 0, result.stderr
    assert not (output / "inputs-sent.tsv").exists() and "--transferfile" not in result.stderr
    assert (output / "files" / "CA" / "out.csv").read_text() == "CA,8\n"
    assert f"--inputs {output / 'input-files'}" in result.stderr  # linked from OUTPUT's own copy, in place


def test_a_notebook_importing_a_module_beside_it_passes_the_check_and_runs_over_two_hosts(hosts, tmp_path, values):
    # the hosts have no `helpers`: it goes with the inputs, so the preflight must not look for it there
    notebook = write_notebook(tmp_path / "proj" / "nb.ipynb", "import helpers\nprint('RESULT', helpers.twice(state))")
    (tmp_path / "proj" / "helpers.py").write_text("def twice(text):\n    return text * 2\n")
    result = run_cli("run", notebook, values("AL", "CA"), "-o", tmp_path / "out",
                     *over_ssh(hosts, tmp_path, "1/alpha", "1/beta"), "--strict-servers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cannot import" not in result.stderr
    assert {job: r["status"] for job, r in records(tmp_path / "out").items()} == {"AL": "ok", "CA": "ok"}
    for job in ("AL", "CA"):
        text = "".join(o.get("text", "") for c in nbformat.read(tmp_path / "out" / "runs" / f"{job}.ipynb", 4).cells
                       for o in c.get("outputs", []))
        assert f"RESULT {job * 2}" in text


PATHS_ABOVE = '''import os
print("READ", open(os.path.join("..", "cli-simple", "simple_input.txt")).read().strip())
open("../x.csv", "w").write(state)
open("../../y", "w").write(state * 2)
if state == "MANY":
    for n in range(1005):
        open(f"f{n:04d}", "w").write("")'''


def test_over_two_hosts_paths_above_the_notebook_mean_what_they_mean_beside_it_and_every_file_is_listed(
        hosts, tmp_path, values):
    # a folder name that a shell would split or expand: it travels on the job's command line (--mirror)
    notebook = write_notebook(tmp_path / "my proj's $HOME `x`" / "cli-simple" / "nb.ipynb", PATHS_ABOVE)
    (notebook.parent / "simple_input.txt").write_text("beside\n")
    output = tmp_path / "out"
    result = run_cli("run", notebook, values("AL", "MANY"), "-o", output,
                     *over_ssh(hosts, tmp_path, "1/alpha", "1/beta"))
    assert result.returncode == 0, result.stderr
    kept = records(output)
    for job in ("AL", "MANY"):
        assert kept[job]["status"] == "ok"
        assert (output / "files" / job / "_up" / "x.csv").read_text() == job
        assert (output / "files" / job / "_up" / "_up" / "y").read_text() == job * 2
        text = "".join(o.get("text", "") for c in nbformat.read(output / "runs" / f"{job}.ipynb", 4).cells
                       for o in c.get("outputs", []))
        assert "READ beside" in text
    assert "files_list" not in kept["AL"] and not (output / "status" / "AL.files.jsonl").exists()
    assert kept["MANY"]["files_count"] == 1007 and len(kept["MANY"]["files"]) == 1000
    every = (output / kept["MANY"]["files_list"]).read_text().splitlines()
    assert len(every) == 1007 and json.loads(every[-1]) == {"name": "f1004", "size": 0}
    assert not (output / ".work").exists() and not {"x.csv", "y"} & set(p.name for p in output.iterdir())
