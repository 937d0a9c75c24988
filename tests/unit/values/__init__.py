"""Unit tests of jupyterstream/values/."""
