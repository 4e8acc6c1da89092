"""The grading sandbox's side in nbgrader: the kernel manager that starts each kernel inside a
:class:`~ovptools.course.sandbox.Sandbox` and talks to it over Unix sockets, the options that switch it on,
and the sweep of what killed graders left behind."""

from __future__ import annotations

import os
import pwd
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer

from .paths import DEFAULT_MEMORY_LIMIT
from .sandbox import (
    CGROUP,
    CGROUP_PARENT,
    MAX_PROCESSES,
    SANDBOX_UID,
    Sandbox,
    is_root,
    remove_scratch,
    sandbox_problem,
)


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
        remove_scratch(scratch, [g for g in groups if g.is_dir()])
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
    if is_root():
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
