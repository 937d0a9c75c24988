"""Unit tests of jupyterstream/report/."""
