"""Unit tests of jupyterstream/runner/."""
