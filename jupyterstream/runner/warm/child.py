"""What a forked child does to become a fresh kernel for one job, then run ipykernel.

Imported by the template before it forks (ipykernel and IPython come with it), so a kernel starts
from modules already in memory.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import select
import signal
import sys
import threading

import importlib
import importlib.machinery

import ipykernel.ipkernel  # noqa: F401  (what a kernel's start-up would import anyway)
import ipykernel.zmqshell  # noqa: F401
from ipykernel import kernelapp

from ..cells import top_level
from . import wire

# Also loaded by every kernel's start-up (measured: modules a forked kernel imported after the fork).
# None of them starts a thread; ipykernel.debugger (debugpy) alone is a quarter of a second.
STARTUP = ("IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect", "IPython.core.pylabtools",
           "IPython.extensions.storemagic", "sqlite3", "psutil", "ipykernel.debugger")
# Parts of a notebook's own imports that its first figure or table loads.
COMPANIONS = {"matplotlib": ("matplotlib.backends.backend_agg", "PIL.PngImagePlugin"),
              "pandas": ("pandas.io.formats.html", "pandas.io.formats.string")}


# The top-level modules of the notebook's imports that the template loaded (set before it forks).
PRELOADED = []


def preload_startup(modules: list[str]) -> None:
    """Import what a kernel's start-up imports, and the parts of ``modules`` a first run loads."""
    tops = dict.fromkeys(top_level(target) for target in modules)
    PRELOADED[:] = tops
    for name in STARTUP + tuple(m for top in tops for m in COMPANIONS.get(top, ())):
        try:
            importlib.import_module(name)
        except Exception:  # optional (psutil, debugpy): the kernel does without them too
            continue

BLAS_SETTERS = ("openblas_set_num_threads", "openblas_set_num_threads64_", "scipy_openblas_set_num_threads64_",
                "scipy_openblas_set_num_threads")
OPENMP_RUNTIMES = ("libgomp", "libiomp", "libomp")  # GNU's, Intel's and LLVM's, vendored copies too
OPENMP_SETTERS = ("omp_set_num_threads",)


def become_kernel(request, fds, nbconvert, reply, sockets, descriptors) -> None:
    """Run the kernel of ``request`` in this forked child, telling ``reply`` (the asking job's
    connection) once its ports are bound, and ending when the process of the pidfd ``nbconvert``
    ends; never returns (leaves by os._exit)."""
    code = 1
    try:
        _fresh_process(fds, sockets, descriptors)
        _fresh_run(request)
        _watch(nbconvert)
        code = _run_kernel(request["argv"], reply)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # the kernel must never return into the template's loop
        try:
            print(f"warm kernel: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        except BaseException:
            pass
    finally:
        _leave(code)


def _fresh_process(fds, sockets, descriptors):
    """Own session and signal handlers, the job's stdout/stderr, none of the template's descriptors;
    the reaper of whatever its cells start (so the template can end it when the kernel dies)."""
    os.setsid()
    from .. import reaper
    reaper.become_subreaper()
    signal.set_wakeup_fd(-1)
    for signum in signal.valid_signals():
        if signum not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(signum, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh Python has them
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())  # its parent (standin.py) blocks them all
    for sock in sockets:
        sock.close()
    for fd in descriptors:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    for fd in {null, *fds} - {0, 1, 2}:
        os.close(fd)


def _fresh_run(request):
    """The job's environment, folder and import path; random generators of its own."""
    env = request["env"]
    template_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(request["cwd"])
    job_path = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = job_path + [p for p in sys.path if p not in template_path and p not in job_path]
    # this package is imported afresh from the job's own copy when the notebook imports it
    for name in [n for n in sys.modules if n == "jupyterstream" or n.startswith("jupyterstream.")]:
        del sys.modules[name]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # numpy's global generator is not re-seeded after a fork by itself
    _library_threads(env)


def _library_threads(env):
    """Give the kernel the BLAS and OpenMP threads a cold kernel has (the template imported with one,
    and these libraries read their thread count when they are loaded)."""
    cores = os.cpu_count() or 1
    counts = {BLAS_SETTERS: _count(env.get("OPENBLAS_NUM_THREADS") or env.get("OMP_NUM_THREADS"), cores),
              OPENMP_SETTERS: _count(env.get("OMP_NUM_THREADS"), cores)}
    try:
        with open("/proc/self/maps", encoding="utf-8") as handle:
            libraries = {line.split()[-1] for line in handle if ".so" in line}
    except OSError:
        return
    for path in libraries:
        name = os.path.basename(path).lower()
        setters = BLAS_SETTERS if "openblas" in name else OPENMP_SETTERS if name.startswith(OPENMP_RUNTIMES) else None
        if setters is None:
            continue
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for setter in filter(None, (getattr(library, n, None) for n in setters)):
            setter(counts[setters])
            break


def _count(value, default):
    """A thread count from an environment variable (OMP_NUM_THREADS may list one per nesting level)."""
    first = (value or "").split(",")[0].strip()
    return int(first) if first.isdigit() and int(first) > 0 else default


def _watch(pidfd):
    """End this kernel (its whole process group) when the nbconvert that asked for it ends."""
    def wait():
        """Block until the nbconvert ends, then end this kernel's process group."""
        select.select([pidfd], [], [])
        os.killpg(0, signal.SIGKILL)
    threading.Thread(target=wait, name="warm-kernel-parent-watch", daemon=True).start()


def _run_kernel(argv, reply):
    """Start ipykernel as `python -m ipykernel_launcher ARGS` would; tell ``reply`` when its ports
    are bound, so that the job connects at once (a zmq connect that comes first is refused, and
    retried only 0.1 s later)."""
    sys.argv = [os.path.join(os.path.dirname(os.path.dirname(kernelapp.__file__)), "ipykernel_launcher.py")]
    sys.argv += argv
    app = kernelapp.IPKernelApp.instance()
    # 1: no ipykernel parent poller (this process watches its nbconvert itself) and no banner
    app.parent_handle = 1
    try:
        app.initialize(argv)
        forget_shadowed(PRELOADED)
        wire.send(reply, {"bound": os.getpid()})
    except OSError:
        pass  # the job has gone: its watch (above) ends this kernel
    finally:
        reply.close()
    app.start()
    return 0


def forget_shadowed(names: list[str]) -> None:
    """Forget each preloaded module that this kernel's import path finds elsewhere first, such as a
    module beside the notebook in its working folder (IPython puts that just before site-packages,
    where the template, which has no working folder on its path, found an installed one of the same
    name): the notebook then imports the one a cold kernel would."""
    for name in names:
        module = sys.modules.get(name)
        spec = getattr(module, "__spec__", None)
        if spec is None or spec.origin in ("built-in", "frozen"):
            continue  # found before the import path is looked at, by a cold kernel too
        try:
            first = importlib.machinery.PathFinder.find_spec(name, sys.path)
        except (ImportError, ValueError):
            continue
        if first is not None and _where(first) != _where(spec):
            for loaded in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
                del sys.modules[loaded]


def _where(spec):
    """Where a module spec's code lives: its file, or a namespace package's folders."""
    if spec.origin and spec.origin != "namespace" and spec.has_location:
        return os.path.realpath(spec.origin)
    return tuple(os.path.realpath(p) for p in spec.submodule_search_locations or ())


def _leave(code):
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code if isinstance(code, int) and 0 <= code < 256 else 1)
