"""Unit tests of jupyterstream/launch/."""
