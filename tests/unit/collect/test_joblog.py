"""joblog: GNU parallel's --joblog, read back by job id."""

from jupyterstream.collect.joblog import COLUMNS, job_of, jobs_of, read_joblog

HEADER = "\t".join(COLUMNS) + "\n"


def row(seq, command, host=":", exitval=0, signal=0, runtime="1.5"):
    return f"{seq}\t{host}\t1700000000.1\t{runtime}\t0\t0\t{exitval}\t{signal}\t{command}\n"


def command(job_id, output="out", extra=""):
    return (f".venv/bin/python bin/run-one {output} {job_id}{extra} -- .venv/bin/python -m jupyter nbconvert "
            f"--output-dir {output}/runs --output .{job_id}.partial {output}/inputs/{job_id}.ipynb")


def test_missing_joblog_gives_no_rows(tmp_path):
    assert read_joblog(tmp_path / "joblog.tsv") == {}


def test_rows_are_keyed_by_job_id_and_the_header_is_skipped(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_text(HEADER + row(1, command("AL")) + row(2, command("CA"), host="h2", exitval=1))
    rows = read_joblog(log)
    assert set(rows) == {"AL", "CA"}
    assert rows["CA"]["Host"] == "h2" and rows["CA"]["Exitval"] == "1" and rows["CA"]["Seq"] == "2"
    assert rows["AL"]["JobRuntime"] == "1.5" and rows["AL"]["attempts"] == 1


def test_a_retried_job_keeps_its_last_row_and_counts_attempts(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_text(HEADER + row(1, command("AL"), exitval=4) + row(2, command("CA"))
                   + HEADER + row(1, command("AL"), exitval=0))
    rows = read_joblog(log)
    assert rows["AL"]["Exitval"] == "0" and rows["AL"]["attempts"] == 2
    assert rows["CA"]["attempts"] == 1


def test_lines_that_are_not_job_rows_are_skipped(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_text(HEADER + "garbage\n" + "1\t2\t3\n" + row(3, "echo hello")
                   + row(4, "bin/run-one out 'unterminated") + row(5, "bin/run-one out") + row(6, command("AL")))
    assert list(read_joblog(log)) == ["AL"]


def test_a_truncated_last_line_is_skipped(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_text(HEADER + row(1, command("AL")) + "2\t:\t1700000000.2\t0.1")
    assert list(read_joblog(log)) == ["AL"]


def test_fields_are_stripped_and_bad_bytes_do_not_break_reading(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_bytes(HEADER.encode() + row(1, command("AL"), host="  h\xff ").encode("latin-1"))
    rows = read_joblog(log)
    assert rows["AL"]["Host"] == "h\ufffd"


def test_a_tab_inside_the_command_stays_in_the_command(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_text(HEADER + row(1, command("AL") + "\textra"))
    assert read_joblog(log)["AL"]["Command"].endswith("\textra")


def test_job_of_takes_the_word_after_the_output_folder_even_when_quoted():
    assert job_of(command("AL"))[0] == "AL"
    assert job_of(command("AL", output="'my out'"))[0] == "AL"
    assert job_of("/usr/bin/python3 /opt/js/bin/run-one /data/out New-York-3f2a9c1e -- x")[0] == "New-York-3f2a9c1e"


def test_job_of_an_output_folder_named_run_one_still_finds_the_job():
    assert job_of(command("AL", output="x/run-one"))[0] == "AL"


def test_job_of_a_command_that_is_not_run_one_is_none():
    assert job_of("echo hi")[0] is None
    assert job_of("bin/run-one out")[0] is None
    assert job_of("bin/run-one 'open")[0] is None


def batch_command(ids, output="out"):
    inputs = " ".join(f"{output}/inputs/{i}.ipynb" for i in ids)
    return (f".venv/bin/python bin/run-one {output} {' '.join(ids)} --sweep S1 -- .venv/bin/python -m jupyter "
            f"nbconvert --output-dir {output}/runs --output .{{notebook_name}}.partial {inputs}")


def test_one_row_of_a_batch_stands_for_each_of_its_values(tmp_path):
    log = tmp_path / "joblog.tsv"
    log.write_text(HEADER + row(1, batch_command(["AL", "CA", "DC"]), exitval=1) + row(2, command("NY")))
    rows = read_joblog(log)
    assert set(rows) == {"AL", "CA", "DC", "NY"}
    assert all(rows[i]["Exitval"] == "1" and rows[i]["sweep"] == "S1" and rows[i]["attempts"] == 1
               for i in ("AL", "CA", "DC"))


def test_jobs_of_a_batch_names_every_id_and_job_of_the_first():
    assert jobs_of(batch_command(["AL", "CA"])) == (["AL", "CA"], "S1")
    assert job_of(batch_command(["AL", "CA"])) == ("AL", "S1")
    assert jobs_of(command("AL")) == (["AL"], None)
