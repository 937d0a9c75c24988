"""Helpers for sweeps of the counting notebook (notebooks/counting.ipynb): every start and end of a
value's run is a line in COUNT_DIR/VALUE.log, outside OUTPUT, and a start while another run of the
same value is still in its cells says OVERLAP. The ways a sweep is launched: the CLI, `make run`,
and the README's own direct pipeline, copied out of the README."""

import re
import subprocess
from pathlib import Path

from faultkit import tagged_env
from support import REPO

NOTEBOOK = Path(__file__).parent / "notebooks" / "counting.ipynb"


def env(tag, count_dir, seconds):
    """The tagged environment of a counting sweep."""
    return tagged_env(tag, JSF_COUNT_DIR=count_dir, JSF_SECONDS=seconds)


def events(count_dir):
    """{value: its log lines} for every value that started at least once."""
    return {p.stem: p.read_text().splitlines() for p in Path(count_dir).glob("*.log")}


def runs_of(lines):
    """(starts, ends, overlaps) of one value's log."""
    starts = [line for line in lines if line.startswith("start")]
    return len(starts), sum(line.startswith("end") for line in lines), sum("OVERLAP" in s for s in starts)


def readme_pipeline(notebook, values, output):
    """The bash block of the README section 'GNU parallel, directly', for this notebook and OUTPUT."""
    text = (REPO / "README.md").read_text()
    script = re.search(r"```bash\n(.*?)```", text.split("## GNU parallel, directly", 1)[1], re.S).group(1)
    script = script.replace("notebooks/births.ipynb states.txt", f"{notebook} {values}")
    return re.sub(r"(?<![\w/.-])output(?=[/ \n])", str(output), script)


def start_readme_pipeline(values, output, environment, logdir):
    """Start the README's pipeline in its own session (output to files); return the Popen."""
    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    with open(logdir / "readme.out", "wb") as out, open(logdir / "readme.err", "wb") as err:
        return subprocess.Popen(["bash", "-euo", "pipefail", "-c", readme_pipeline(NOTEBOOK, values, output)],
                                cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=environment,
                                start_new_session=True)


def make_run(values, output, environment, logdir, name="make", jobs=2):
    """Start `make run` over the counting notebook in its own session; return the Popen."""
    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    argv = ["make", "--no-print-directory", "run", f"NOTEBOOK={NOTEBOOK}", f"VALUES={values}", "PARAM=value",
            f"OUTPUT={output}", f"JOBS={jobs}"]
    with open(logdir / f"{name}.out", "wb") as out, open(logdir / f"{name}.err", "wb") as err:
        return subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=environment, start_new_session=True)
