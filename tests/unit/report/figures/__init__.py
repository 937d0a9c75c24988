"""Unit tests of jupyterstream/report/figures/."""
