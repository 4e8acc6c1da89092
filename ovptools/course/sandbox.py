"""The grading sandbox: every kernel that runs a student's notebook for grading (``ovp-instructor
autograde``, with or without ``--jobs``, and ``ovp-check``) runs inside bubblewrap (``bwrap``,
Debian's ``bubblewrap``), started by the kernel manager of :mod:`.sandbox_kernel`, which nbgrader's ``Execute``
step uses (see :class:`ovptools.course.nbgrader_plugins.SandboxedExecute`).

Inside the sandbox the kernel has no network (a network namespace of its own; it talks to the grader
over Unix sockets in its scratch folder); its own PID namespace (every process it left dies with it);
an unprivileged user (``nobody`` when the grader is root, uid 65534 in a user namespace otherwise);
a read-only view of the system and the Python environment, its own ``/tmp``, and one writable scratch
folder with a copy of the submission's folder, deleted afterwards — no view of the course root, the
gradebook, home folders, Jupyter's configuration or the grader's environment; ``memory_limit`` bytes
of address space per process, at most ``max_processes`` processes and threads, and as root one cgroup
v1 memory and pids cap for the whole tree (``README.md`` says exactly what is enforced where).
:mod:`ovptools.course.sandbox_kernel` holds the kernel manager and the nbgrader options.

The grade is written by nbgrader in the grader's own process, from the outputs the kernel sent;
nothing in the sandbox can reach the gradebook.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .paths import user_tasks

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

ENV_PASSED = ("LANG", "LC_ALL", "TZ", *THREADS, "OVP_NO_PROGRESS", "OVP_STATIC_WIDGETS", "PYTHONHASHSEED",
              "LD_LIBRARY_PATH")
"""The only variables of the grader's environment the kernel sees (with PATH, HOME and PYTHONPATH;
LD_LIBRARY_PATH where the interpreter is a copy that needs it, as on the class server)."""

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


def is_root() -> bool:
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
    if not is_root():
        args += ["--unshare-user"]
    try:
        proc = subprocess.run([*args, "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap cannot run here ({err})"
    if proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit status {proc.returncode}"
        hint = "" if is_root() else " (unprivileged user namespaces may be off: kernel.unprivileged_userns_clone)"
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
    # packages lent by another environment (the class server's interpreter copy adds the course's by a .pth)
    paths.update(Path(p).resolve() for p in sys.path if Path(p).name in ("site-packages", "dist-packages"))
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

    def __init__(self, memory_limit: int | None, max_processes: int | None = MAX_PROCESSES,
                 hidden: list[Path] | None = None) -> None:
        problem = sandbox_problem()
        if problem:
            raise SandboxUnavailable(problem)
        self.memory_limit = int(memory_limit) if memory_limit else None
        self.max_processes = int(max_processes) if max_processes else None
        self.root = is_root()
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
        settings = {"memory": self.memory_limit,  # RLIMIT_NPROC also counts the grader's own tasks on the host
                    "nproc": None if self.root or not self.max_processes  # None, 0: no process limit
                    else self.max_processes + user_tasks(os.getuid()),
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
        remove_scratch(self.scratch, self.cgroups)
        self.cgroups = []


def remove_scratch(scratch: Path, cgroups: list[Path]) -> None:
    """Kill every process in ``cgroups`` (as root), remove them, then the ``scratch`` folder. A killed process
    leaves its group only once the kernel has torn it down, which on a loaded machine can take seconds:
    this keeps killing and waiting, up to 30 s, until every group is empty."""
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
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
        while True:
            try:
                group.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.02)
    shutil.rmtree(scratch, ignore_errors=True)
