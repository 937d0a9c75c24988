"""The template: import ipykernel and a notebook's imports once, then fork a kernel per request.

    python -m jupyterstream.runner.warm.template FOLDER SWEEP MODULE...

It listens on FOLDER/sock (FOLDER is private to the user). Per connection: one fork request, the
kernel's pid back, later its exit code. A connection that closes first (its nbconvert has gone)
gets its kernel's process group killed. It never runs a line of the notebook, forks only while it
is single-threaded, and ends when told to, on SIGTERM, or after it is idle.
"""

from __future__ import annotations

import builtins
import gc
import importlib
import json
import os
import sys
import time

# Libraries that start threads when imported would make forking unsafe: keep them single-threaded
# here (each kernel gets its own thread settings back), and choose the backend a kernel uses.
# OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, here: the threads a kernel gets back then wait 2^24
# cycles for work before they sleep, not 2^28 (about 0.1 s of one core each, spent by every kernel
# as it starts, on every core but one). Results and BLAS speed are the same (benchmarks/README.md).
QUIET = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_THREAD_TIMEOUT": "24",
         "JE_ARROW_MALLOC_CONF": "background_thread:false", "JE_MALLOC_CONF": "background_thread:false",
         "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
# Set even when the job's environment has its own: that is the thread count each kernel gets back,
# and with it here the template would have BLAS threads and refuse to fork. The others only if unset.
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class _StandIn:
    """What ``get_ipython()`` returns while the template imports: a shell with a kernel, as libraries
    that look for one at import (pandas' display.max_columns) would find in a real kernel."""

    kernel = True
    config = {}


def preload(modules: list[str]) -> list[str]:
    """Import ipykernel and then ``modules`` in order (``a.b``, or ``a.b:c`` for ``from a.b import c``:
    see runner/cells.py); stop at the first that fails. Returns (imported, what failed or None)."""
    quiet = {k: v for k, v in QUIET.items() if k in ONE_THREAD or k not in os.environ}
    saved = {k: os.environ.get(k) for k in quiet}
    os.environ.update(quiet)
    builtins.get_ipython = _StandIn
    done, failed = [], None
    try:
        from . import child  # ipykernel, IPython, and the kernel's own start-up
        for name in modules:
            try:
                load(name)
            except BaseException as exc:  # a notebook import may even call sys.exit
                failed = f"{name}: {type(exc).__name__}: {exc}"
                break
            done.append(name)
        child.preload_startup(done)
    finally:
        del builtins.get_ipython
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return done, failed


def load(target: str) -> None:
    """Import one target as the notebook's import statement would: ``a.b:c`` imports ``a.b`` and,
    when it has no attribute ``c``, its submodule ``a.b.c`` (ImportError if there is neither)."""
    module, _, name = target.partition(":")
    loaded = importlib.import_module(module)
    if name and not hasattr(loaded, name):
        importlib.import_module(f"{module}.{name}")


def main(argv: list[str] | None = None) -> int:
    """Preload, then serve fork requests until stopped or idle."""
    argv = sys.argv[1:] if argv is None else argv
    folder, sweep, modules = argv[0], argv[1], argv[2:]
    started = time.time()
    # It serves every job of its sweep, so it keeps nothing of the job that started it: above all not
    # that job's per-value lock, which nbconvert shares and would otherwise outlive the job here.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    if sys.path and os.path.realpath(sys.path[0] or ".") == os.getcwd():
        del sys.path[0]  # `-m` put the starting job's folder first: no notebook-local module is preloaded
    os.chdir(folder)
    done, failed = preload(modules)
    # Kernels share the template's memory until they write to it; a garbage collection in a kernel
    # would write to every object it visits. Frozen objects are never visited.
    gc.collect()
    gc.freeze()
    from .server import Server, threads
    server = Server(folder)
    info = {"pid": os.getpid(), "sweep": sweep, "modules": modules, "imported": done, "failed": failed,
            "startup_seconds": round(time.time() - started, 3), "threads": threads()}
    server.info = info
    _write(os.path.join(folder, "info.json"), info)
    print(f"template {os.getpid()}: ready in {info['startup_seconds']} s; imported {done}"
          + (f"; stopped at {failed}" if failed else ""), file=sys.stderr, flush=True)
    try:
        server.serve()
    finally:
        server.close()
    return 0


def _write(path, data):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
