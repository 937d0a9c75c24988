"""Unit tests of jupyterstream/collect/."""
