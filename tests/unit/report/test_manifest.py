"""manifest: the versions where the report was collected, per-host facts, and drift between hosts."""

import platform

import nbformat

from jupyterstream.report import manifest
from jupyterstream.collect.runs import Run


def facts(python="3.11.4", **versions):
    """Preflight facts of one host, as hosts.json holds them."""
    return {"python": python, "versions": {"nbconvert": "7.16.0", "ipykernel": "6.29.0", **versions}}


def test_local_versions_give_python_and_the_key_packages():
    found = manifest.local_versions()
    assert list(found) == ["python", *manifest.PACKAGES]
    assert found["python"] == platform.python_version() and found["nbformat"] == nbformat.__version__


def test_local_versions_of_a_package_that_is_not_installed_is_none(monkeypatch):
    monkeypatch.setattr(manifest, "PACKAGES", ("no-such-package-jupyterstream-test",))
    assert manifest.local_versions()["no-such-package-jupyterstream-test"] is None


def test_hosts_come_from_the_kernel_python_of_the_runs():
    runs = [Run("a", "a", {}, host="h1", python="3.11.4"), Run("b", "b", {}, host="h1", python="3.11.4"),
            Run("c", "c", {}, host="", python="3.12.0"), Run("d", "d", {}, host="h2")]
    assert manifest.hosts(runs, None) == {"h1": {"kernel python": "3.11.4"},
                                          "this machine": {"kernel python": "3.12.0"}}


def test_a_host_whose_runs_used_two_pythons_lists_both():
    runs = [Run("a", "a", {}, host="h1", python="3.12.0"), Run("b", "b", {}, host="h1", python="3.11.4")]
    assert manifest.hosts(runs, {}) == {"h1": {"kernel python": "3.11.4, 3.12.0"}}


def test_hosts_add_the_preflight_facts_and_a_missing_package_says_missing():
    runs = [Run("a", "a", {}, host="h1", python="3.11.4")]
    table = manifest.hosts(runs, {"h1": facts(ipykernel=None), "h2": facts("3.12.0")})
    assert table == {"h1": {"kernel python": "3.11.4", "nbconvert": "7.16.0", "ipykernel": "missing"},
                     "h2": {"kernel python": "3.12.0", "nbconvert": "7.16.0", "ipykernel": "6.29.0"}}


def test_no_runs_with_a_python_and_no_facts_make_no_table():
    assert manifest.hosts([Run("a", "a", {}, host="h1")], None) == {}


def test_hosts_that_agree_do_not_drift():
    table = manifest.hosts([], {"h1": facts(), "h2": facts(), "h3": facts()})
    assert manifest.drift(table) == []
    assert manifest.drift({}) == [] and manifest.drift({"only": {"kernel python": "3.11.4"}}) == []


def test_drift_names_every_column_whose_value_differs_between_hosts():
    table = manifest.hosts([], {"h1": facts(), "h2": facts("3.12.0", nbconvert="7.0.0"), "h3": facts()})
    assert manifest.drift(table) == ["kernel python", "nbconvert"]


def test_a_package_missing_on_one_host_is_drift():
    table = manifest.hosts([], {"h1": facts(), "h2": facts(ipykernel=None)})
    assert manifest.drift(table) == ["ipykernel"]


def test_a_host_without_preflight_facts_does_not_drift_in_packages_it_has_no_facts_for():
    runs = [Run("a", "a", {}, host="h1", python="3.11.4"), Run("b", "b", {}, host="old", python="3.11.4")]
    table = manifest.hosts(runs, {"h1": facts()})
    assert manifest.drift(table) == []
