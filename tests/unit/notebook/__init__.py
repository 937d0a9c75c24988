"""Unit tests of jupyterstream/notebook/."""
