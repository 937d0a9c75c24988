"""servers: the sshloginfile, the ssh wrapper parallel is given, the preflight's verdicts (no network:
the wrapper is checked with `ssh -G`, which prints the settings a connection would use)."""

import os
import subprocess

import pytest

from jupyterstream.launch import servers
from jupyterstream.errors import ValuesError
from jupyterstream.launch.servers import Host

from ..helpers import notebook


def test_servers_file_skips_comments_and_blanks_and_takes_the_first_n(write_file):
    path = write_file("servers.txt", "# my hosts\n\n4/alice@node1   # big one\nnode2\n:\n")
    assert servers.read_servers(path) == ["4/alice@node1", "node2", ":"]
    assert servers.read_servers(path, 2) == ["4/alice@node1", "node2"]


def test_a_login_with_spaces_is_refused_naming_the_file_and_line(write_file):
    path = write_file("servers.txt", "node1\n-p 2222 node2\n")
    with pytest.raises(ValuesError) as caught:
        servers.read_servers(path)
    assert "servers.txt:2:" in str(caught.value) and "ssh -F" in str(caught.value)


def test_a_servers_file_with_no_login_or_missing_says_so(write_file, tmp_path):
    with pytest.raises(ValuesError, match="no servers listed"):
        servers.read_servers(write_file("servers.txt", "# nothing yet\n"))
    with pytest.raises(ValuesError, match="servers.txt.example"):
        servers.read_servers(tmp_path / "absent.txt")


def test_sshlogins_keep_given_slots_and_fill_in_cores_or_the_jobs_setting():
    hosts = [Host("4/alice@node1", {"cores": 16}), Host("node2", {"cores": 8}), Host("node3", {})]
    assert servers.sshlogins(hosts) == "4/alice@node1\n8/node2\n1/node3\n"
    assert servers.sshlogins(hosts, slots="2") == "4/alice@node1\n2/node2\n2/node3\n"


def test_a_hosts_name_is_its_login_without_the_slot_count():
    assert Host("4/alice@node1").name == "alice@node1" and Host(":").name == ":"


def test_notebook_imports_are_top_level_modules_without_magics_or_jupyterstream():
    nb = notebook("state = 'CA'\n", "%matplotlib inline\nimport pandas as pd, os.path\nfrom scipy import stats",
                  "from jupyterstream import record\nfrom . import local\nimport pandas", "def f(:\n  pass")
    assert servers.notebook_imports(nb) == ["pandas", "os", "scipy"]


def ssh_settings(wrapper, host="node1"):
    """The settings `ssh` would connect with through the wrapper, as {lowercase key: value}."""
    out = subprocess.run([str(wrapper), "-G", host], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def test_the_wrapper_keeps_the_users_ssh_words_and_adds_fail_fast_options(tmp_path):
    config = tmp_path / "my config"
    config.write_text("Host node1\n  HostName 192.0.2.7\n  Port 2222\n  User carol\n")
    wrapper = servers.write_ssh_wrapper(tmp_path / "ssh-wrapper", f"ssh -F '{config}'")
    settings = ssh_settings(wrapper)
    assert settings["hostname"] == "192.0.2.7" and settings["port"] == "2222" and settings["user"] == "carol"
    assert settings["batchmode"] == "yes" and settings["connecttimeout"] == "10"
    assert os.access(wrapper, os.X_OK)


def test_the_wrapper_shares_one_connection_per_host_in_a_folder_of_the_users_own(tmp_path):
    settings = ssh_settings(servers.write_ssh_wrapper(tmp_path / "ssh-wrapper", ""))
    share = f"/tmp/jupyterstream-ssh-{os.getuid()}"
    assert settings["controlmaster"] == "auto" and settings["controlpersist"] == str(servers.SHARE_SECONDS)
    assert settings["controlpath"].startswith(share + "/") and len(settings["controlpath"]) < 90
    assert os.stat(share).st_uid == os.getuid() and os.stat(share).st_mode & 0o777 == 0o700


def test_the_users_own_control_settings_win_over_the_wrappers(tmp_path):
    wrapper = servers.write_ssh_wrapper(tmp_path / "ssh-wrapper", "ssh -o ControlMaster=no")
    assert ssh_settings(wrapper)["controlmaster"] == "false"


def test_describe_gives_one_line_a_host_with_its_login_shell_time_or_what_failed():
    facts = {"python": "3.11.2", "versions": {"nbconvert": "7.16", "ipykernel": "6.29"}, "cores": 8,
             "login_shell_seconds": 0.012}
    line = servers.describe(Host("4/node1", facts))
    assert line.startswith("node1") and " ok " in line and "8 cores" in line and "login shell 0.01 s" in line
    bad = Host("node2", facts, ["kernel 'julia' not found"])
    assert "FAILED" in servers.describe(bad) and "julia" in servers.describe(bad)


def test_a_slow_login_shell_is_named_with_what_it_costs_each_job():
    fast = Host("fast", {"login_shell_seconds": 0.01})
    slow = Host("slow", {"login_shell_seconds": 0.25})
    assert servers.slow_shells([fast], 7) is None
    warning = servers.slow_shells([fast, slow], 7)
    assert "on slow takes up to 0.25 s" in warning and "a job makes 7" in warning and "1.8 s" in warning
    assert "fast" not in warning.replace("at once", "")


def test_a_share_folder_that_is_a_link_is_not_used_and_ssh_runs_unshared(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "share").symlink_to(tmp_path / "elsewhere")
    wrapper = servers.write_ssh_wrapper(tmp_path / "ssh-wrapper", "", folder=str(tmp_path / "share"))
    assert ssh_settings(wrapper)["controlmaster"] == "false"
    wrapper = servers.write_ssh_wrapper(tmp_path / "ssh-wrapper", "", folder=str(tmp_path / "mine"))
    assert ssh_settings(wrapper)["controlpath"].startswith(str(tmp_path / "mine") + "/")
