"""The grading sandbox: every kernel that runs a student's notebook for grading (``ovp-instructor
autograde``, with or without ``--jobs``, and ``ovp-check``) runs inside bubblewrap (``bwrap``,
Debian's ``bubblewrap``), started by :class:`SandboxedKernelManager`, which nbgrader's ``Execute``
step uses (see :class:`ovptools.course.nbgrader_plugins.SandboxedExecute`).

Inside the sandbox the kernel has:

- no network at all: a network namespace of its own, with no interface up (not even 127.0.0.1 of
  the host). It talks to the grader over Unix sockets (jupyter_client's ``ipc`` transport) in its
  scratch folder;
- its own PID namespace: it sees only its own processes, and when the kernel ends, the kernel of
  the operating system kills every process left in that namespace (a detached child included);
- an unprivileged user: when the grader runs as root, the kernel runs as ``nobody`` (uid 65534)
  on the host; when an instructor runs it as themself, the kernel runs as uid 65534 inside a user
  namespace, which the host still counts as the instructor (see ``README.md``);
- a read-only view of the system (``/usr``, a few files of ``/etc``) and of the Python
  environment (the interpreter's prefixes and the ``ovptools`` package, nothing else of the
  repository), an empty ``/tmp`` of its own, and one writable scratch folder, deleted afterwards,
  which is its working directory and holds a copy of the submission's folder. It has no view of
  the course root, ``source/``, other submissions, the gradebook, the home folders, Jupyter's
  configuration, or the grader's environment variables (``db_url``, passwords);
- limits: ``memory_limit`` bytes of address space per process (a ``MemoryError`` in the cell that
  asks for more), at most ``max_processes`` processes and threads (one BLAS and torch thread unless
  the grader's environment says otherwise), and, where the grader runs as root (cgroup
  v1 ``memory`` and ``pids`` controllers writable), one memory cap of ``memory_limit`` bytes for the
  submission's whole process tree and its process count enforced by the ``pids`` controller; every
  process in that control group is killed when the notebook is done.

The grade is written by nbgrader in the grader's own process, from the outputs the kernel sent;
nothing in the sandbox can reach the gradebook.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer

from .paths import DEFAULT_MEMORY_LIMIT

BWRAP = "bwrap"
MAX_PROCESSES = 128
"""Processes (threads included) a submission may have at once: a kernel uses about 10 with one
BLAS and torch thread (ZMQ, IPython's threads); a fork bomb stops at the cap."""

THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
"""BLAS and torch thread counts: 1 in the sandbox unless the grader's environment sets them (one core
per kernel; on a many-core machine a pool per core would run into the process cap)."""

CGROUP = Path("/sys/fs/cgroup")
CGROUP_PARENT = "ovp-grading"
SANDBOX_UID = 65534
"""``nobody``: the host uid of the kernel when the grader runs as root."""

ENV_PASSED = ("LANG", "LC_ALL", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "OVP_NO_PROGRESS", "OVP_STATIC_WIDGETS", "PYTHONHASHSEED")
"""The only variables of the grader's environment the kernel sees (with PATH, HOME and PYTHONPATH)."""

ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types", "alternatives")
"""What the kernel sees of /etc: the dynamic linker's cache, the time zone, fonts (matplotlib)."""

_LAUNCHER = """
import json, os, resource, sys
s = json.loads(sys.argv[1])
if s["memory"]:
    resource.setrlimit(resource.RLIMIT_AS, (s["memory"], s["memory"]))
if s["nproc"]:
    resource.setrlimit(resource.RLIMIT_NPROC, (s["nproc"], s["nproc"]))
if s["uid"] is not None:
    os.setgroups([])
    os.setgid(s["uid"])
    os.setuid(s["uid"])
os.umask(0o077)
os.execv(sys.argv[2], sys.argv[2:])
"""
"""Runs first inside the sandbox, before any student code: limits, then the unprivileged user,
then the kernel."""


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run on this machine (the message says why)."""


def _is_root() -> bool:
    return os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """None if grading kernels can be sandboxed here, else why not (one line)."""
    if not sys.platform.startswith("linux"):
        return f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}"
    if shutil.which(BWRAP) is None:
        return ("bubblewrap (`bwrap`) is not installed: `apt-get install bubblewrap` "
                "(Debian/Ubuntu), or `make test`, which installs it")
    args = [BWRAP, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--proc", "/proc", "--dev", "/dev"]
    if not _is_root():
        args += ["--unshare-user"]
    try:
        proc = subprocess.run([*args, "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap cannot run here ({err})"
    if proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit status {proc.returncode}"
        hint = "" if _is_root() else " (unprivileged user namespaces may be off: kernel.unprivileged_userns_clone)"
        return f"bubblewrap cannot create a sandbox here: {why}{hint}"
    return None


def _cgroup_writable(controller: str) -> bool:
    folder = CGROUP / controller
    return folder.is_dir() and (folder / "cgroup.procs").is_file() and os.access(folder, os.W_OK)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def python_paths() -> list[Path]:
    """Folders of the Python environment the kernel needs, read-only: the interpreter's prefixes
    and the ``ovptools`` package (only that folder of the repository that holds it)."""
    paths = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths.add(Path(sys.executable).resolve().parent.parent)
    spec = importlib.util.find_spec("ovptools")
    for location in (spec.submodule_search_locations or []) if spec else []:
        paths.add(Path(location).resolve())
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and (Path(entry) / "ovptools" / "__init__.py").is_file():
            paths.add((Path(entry) / "ovptools").resolve())
    keep = []
    for p in sorted(paths):
        if p == Path("/") or p == Path("/usr") or any(_inside(p, q) for q in keep):
            continue
        keep.append(p)
    return keep


class Sandbox:
    """One sandbox for one kernel: a scratch folder, control groups (as root), the ``bwrap`` command.

    ``hidden`` are folders that must not be visible inside (the course root): building the
    sandbox fails if a read-only folder would show one of them."""

    def __init__(self, memory_limit: int | None, max_processes: int = MAX_PROCESSES,
                 hidden: list[Path] | None = None) -> None:
        problem = sandbox_problem()
        if problem:
            raise SandboxUnavailable(problem)
        self.memory_limit = int(memory_limit) if memory_limit else None
        self.max_processes = int(max_processes) if max_processes else None
        self.root = _is_root()
        self.readonly = python_paths()
        for folder in hidden or []:
            folder = Path(folder).resolve()
            for p in self.readonly:
                if _inside(folder, p):
                    raise SandboxUnavailable(f"the Python environment folder {p} holds {folder}: the grading "
                                             "sandbox would show it to students' code; move one of them")
        self.scratch = Path(tempfile.mkdtemp(prefix="ovp-sandbox-"))
        self.work = self.scratch / "work"
        self.home = self.scratch / "home"
        for folder in (self.work, self.home):
            folder.mkdir()
        if self.root:
            for folder in (self.work, self.home):
                os.chown(folder, SANDBOX_UID, SANDBOX_UID)
        self.scratch.chmod(0o711 if self.root else 0o700)
        (self.scratch / "owner").write_text(str(os.getpid()))  # for sweep(), if this grader is killed
        self.cgroups: list[Path] = []
        if self.root:
            name = f"{CGROUP_PARENT}/{self.scratch.name}"
            for controller, settings in (("memory", {"memory.limit_in_bytes": self.memory_limit}),
                                         ("pids", {"pids.max": self.max_processes})):
                if not _cgroup_writable(controller):
                    continue
                group = CGROUP / controller / name
                group.mkdir(parents=True)
                self.cgroups.append(group)
                for key, value in settings.items():
                    if value:
                        (group / key).write_text(str(value))
                if controller == "memory" and self.memory_limit and (group / "memory.memsw.limit_in_bytes").exists():
                    try:
                        (group / "memory.memsw.limit_in_bytes").write_text(str(self.memory_limit))
                    except OSError:
                        pass

    @property
    def whole_tree_memory(self) -> bool:
        return any(g.parent.parent.name == "memory" for g in self.cgroups)

    def describe(self) -> str:
        who = f"uid {SANDBOX_UID} (nobody)" if self.root else f"uid {SANDBOX_UID} in a user namespace"
        memory = f"{self.memory_limit / 2**30:.1f} GiB" if self.memory_limit else "no memory limit"
        scope = "per process and for the whole submission" if self.whole_tree_memory else "per process"
        return f"sandbox: {who}, no network, {memory} {scope}, at most {self.max_processes} processes"

    def command(self, kernel_cmd: list[str]) -> list[str]:
        """``kernel_cmd`` wrapped in bwrap and the launcher (limits, then the unprivileged user)."""
        python = str(Path(sys.prefix).resolve() / "bin" / Path(sys.executable).name)
        if kernel_cmd and kernel_cmd[0] == sys.executable:
            kernel_cmd = [python, *kernel_cmd[1:]]
        args = [BWRAP, "--die-with-parent", "--new-session", "--clearenv", "--unshare-ipc", "--unshare-pid",
                "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if self.root:  # the launcher needs these two to become nobody; it holds no capability afterwards
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
        args += ["--ro-bind", "/usr", "/usr"]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / top
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for name in ETC:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        for folder in ("/dev/shm", "/tmp"):  # its own, empty and writable (semaphores, temporary files)
            args += ["--perms", "1777", "--tmpfs", folder]
        parents = {a for p in [*self.readonly, self.scratch] for a in p.parents} - {Path("/"), Path("/tmp")}
        for folder in sorted(parents, key=lambda a: len(a.parts)):  # mount points bwrap would make 0700
            args += ["--perms", "0755", "--dir", str(folder)]
        for p in self.readonly:
            args += ["--ro-bind", str(p), str(p)]
        args += ["--bind", str(self.scratch), str(self.scratch), "--chdir", str(self.work)]
        env = {"PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home),
               "USER": "student", "LOGNAME": "student", "MPLCONFIGDIR": str(self.home / "matplotlib"),
               "PYTHONPATH": os.environ.get("PYTHONPATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
        env.update({k: "1" for k in THREADS})
        env.update({k: os.environ[k] for k in ENV_PASSED if k in os.environ})
        for key, value in env.items():
            if value:
                args += ["--setenv", key, value]
        args += ["--remount-ro", "/"]
        settings = {"memory": self.memory_limit, "nproc": None if self.root else self.max_processes,
                    "uid": SANDBOX_UID if self.root else None}
        return [*args, python, "-c", _LAUNCHER, json.dumps(settings), *kernel_cmd]

    def preexec(self) -> None:
        """Runs in the child before bwrap starts: join the submission's control groups; a umask
        under which bwrap's mount points (parents of the read-only folders) can be traversed."""
        os.umask(0o022)
        for group in self.cgroups:
            with open(group / "cgroup.procs", "w") as fh:
                fh.write(str(os.getpid()))

    def copy_in(self, folder: str | Path | None) -> None:
        """Copy the regular files of the submission's folder (the notebook's working directory)
        into the scratch working directory; links are not followed."""
        if not folder or not Path(folder).is_dir() or (Path(folder) / "nbgrader_config.py").exists():
            return  # never a course root
        for entry in Path(folder).rglob("*"):
            if entry.is_symlink() or not entry.is_file():
                continue
            target = self.work / entry.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(entry, target)
        if self.root:
            for path in self.work.rglob("*"):
                os.chown(path, SANDBOX_UID, SANDBOX_UID, follow_symlinks=False)

    def close(self) -> None:
        """Kill what is left, remove the control groups and the scratch folder."""
        _remove(self.scratch, self.cgroups)
        self.cgroups = []


def _remove(scratch: Path, cgroups: list[Path]) -> None:
    """Kill every process in ``cgroups`` (as root), remove them, then the ``scratch`` folder."""
    for _ in range(50):
        pids = set()
        for group in cgroups:
            try:
                pids |= {int(x) for x in (group / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    for group in cgroups:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)
    shutil.rmtree(scratch, ignore_errors=True)


def sweep() -> list[Path]:
    """Remove what sandboxes of graders that were killed left (their scratch folders and control
    groups, killing any process still in them); returns the scratch folders removed."""
    removed = []
    for scratch in Path(tempfile.gettempdir()).glob("ovp-sandbox-*"):
        try:
            owner = int((scratch / "owner").read_text())
            os.kill(owner, 0)
            continue  # its grader is alive
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue  # not ours to judge (another user's, or being created)
        groups = [CGROUP / c / CGROUP_PARENT / scratch.name for c in ("memory", "pids")]
        _remove(scratch, [g for g in groups if g.is_dir()])
        removed.append(scratch)
    return removed


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside a :class:`Sandbox` and talks to it over Unix
    sockets in the sandbox's scratch folder. Interrupts (a cell over the time limit) go as a
    message on the control channel, since a signal to bwrap does not reach the kernel."""

    enabled = Bool(True, help="Run the kernel in the sandbox (False: as an ordinary local kernel).").tag(config=True)
    memory_limit = Integer(DEFAULT_MEMORY_LIMIT, help="Bytes of memory for the submission (0: no limit).").tag(
        config=True)
    max_processes = Integer(MAX_PROCESSES, help="Processes the submission may have at once.").tag(config=True)

    _sandbox: Sandbox | None = None

    async def _async_pre_start_kernel(self, **kw):
        if not self.enabled:
            return await super()._async_pre_start_kernel(**kw)
        if self._sandbox is None:
            hidden = [Path.cwd()] if (Path.cwd() / "nbgrader_config.py").is_file() else []
            self._sandbox = Sandbox(self.memory_limit or None, self.max_processes, hidden=hidden)
            self.log.info("Grading kernel in a %s", self._sandbox.describe())
        self._sandbox.copy_in(kw.get("cwd") or os.getcwd())
        kw["cwd"] = str(self._sandbox.scratch)
        self.transport = "ipc"
        ipc = self._sandbox.scratch / "ipc"
        ipc.mkdir(exist_ok=True)
        if self._sandbox.root:
            os.chown(ipc, SANDBOX_UID, SANDBOX_UID)
        self.ip = str(ipc / "kernel")
        self.connection_file = str(ipc / "connection.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.enabled and self._sandbox is not None:
            kernel_cmd = self._sandbox.command(kernel_cmd)
            kw["preexec_fn"] = self._sandbox.preexec
            kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            if self._sandbox.root:
                os.chmod(self.connection_file, 0o644)  # read by the kernel (nobody) from a 0700 folder of its own
                os.chown(self.connection_file, SANDBOX_UID, SANDBOX_UID)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_interrupt_kernel(self):
        if self.enabled and self.has_kernel:
            msg = self.session.msg("interrupt_request", content={})
            self._connect_control_socket()
            self.session.send(self._control_socket, msg)
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart: bool = False):
        await super()._async_cleanup_resources(restart=restart)
        if self._sandbox is not None and not restart:
            self._sandbox.close()
            self._sandbox = None

    cleanup_resources = _async_cleanup_resources


def nbgrader_options(memory_limit: int | None, *, enabled: bool = True,
                     max_processes: int = MAX_PROCESSES) -> list[str]:
    """nbgrader command-line options that set the sandbox's limits (or turn it off)."""
    if not enabled:
        return ["--SandboxedKernelManager.enabled=False"]
    return [f"--SandboxedKernelManager.memory_limit={int(memory_limit or 0)}",
            f"--SandboxedKernelManager.max_processes={int(max_processes)}"]


def sandbox_user() -> str:
    """Who the kernel runs as, on the host, for messages."""
    if _is_root():
        try:
            return pwd.getpwuid(SANDBOX_UID).pw_name
        except KeyError:
            return str(SANDBOX_UID)
    return pwd.getpwuid(os.getuid()).pw_name


def use_sandbox(validator, memory_limit: int | None) -> bool:
    """Make nbgrader's ``validator`` (``ovp-check``) run the kernel in the sandbox under
    ``memory_limit``, where the sandbox can run; True if it will. Elsewhere the student's own code
    runs as the student, as it does in their own kernel."""
    if sandbox_problem() is not None:
        return False
    from traitlets.config import Config

    from .nbgrader_plugins import sandboxed

    config = Config(validator.config)
    config.SandboxedKernelManager.memory_limit = int(memory_limit or 0)
    validator.config = config
    validator.preprocessors = sandboxed(list(validator.preprocessors))
    return True
