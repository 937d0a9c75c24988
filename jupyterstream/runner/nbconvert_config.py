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

# Warm kernels (run-one --warm-kernels sets this variable): a kernel manager that forks each
# kernel from a template that has the notebook's imports loaded (jupyterstream/runner/warm/).
import os  # noqa: E402

from jupyterstream.runner.outcome import WARM_ENV  # noqa: E402

if os.environ.get(WARM_ENV):
    c.ExecutePreprocessor.kernel_manager_class = "jupyterstream.runner.warm.manager.WarmKernelManager"
