# nbconvert configuration for a jupyterstream job: `jupyter nbconvert --config <this file>`.
# Swaps nbconvert's ExecutePreprocessor for one that keeps the partial notebook on failure;
# `--execute` and every `--ExecutePreprocessor.*` option still apply to it.
from nbconvert.exporters.exporter import Exporter

from jupyterstream.runner.keep_partial import KeepPartialExecutePreprocessor

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.Exporter.default_preprocessors = [
    KeepPartialExecutePreprocessor if name.endswith(".ExecutePreprocessor") else name
    for name in Exporter.class_traits()["default_preprocessors"].default()
]
