"""Grade many versions of one assignment the way nbgrader's autograder scores them, in one process.

nbgrader grades a submission by running it top to bottom in a fresh kernel and scoring each test cell:
no points if the cell raised or wrote to stderr, partial points if its last expression is a number, full
points otherwise (``nbgrader.utils.determine_grade``, which this calls). Starting a sandboxed kernel and
nbgrader for each of the ~270 catalogued wrong and correct answers (tests/mutants/, tests/alternatives/)
costs minutes; here every version runs in a forked copy of one IPython shell instead:

- the cells are those of the solutions' source notebook (solution and hidden tests included), and a
  version is appended to the cell that defines its function, as the tests hand it in to nbgrader;
- the cells before that one run once, in the parent, and a child is forked for each version there,
  so each version sees exactly the state a fresh kernel would have reached (the cells are seeded);
- each cell has the grader's time limit (``nbgrader_config.py``), after which it is interrupted as
  nbgrader interrupts it (KeyboardInterrupt). The limit counts the process's CPU time rather than the
  wall clock, so that a loaded machine does not stop a cell that a quiet one finishes in time;
- ovptools is blocked by the hidden tests themselves (``without_ovptools``), as in the real grader;
- the modules a run of the notebook imports (other than ovptools) are imported once in the parent,
  where that prints and warns nothing (:func:`preimport`); IPython does not format tracebacks (only
  the error counts), and the parent's objects are frozen out of the children's garbage collections;
- a cell's stderr is read at the file descriptor as well, as ipykernel forwards it;
- the cells after the last test cell (a student's own experiments) are not run: nbgrader scores test
  cells only, and goes on past a cell that fails or runs over its limit. (A version that killed the
  kernel there would get no grade from nbgrader; none of the catalogued ones does, and
  test_bad_submissions.py grades a killed kernel with the real pipeline.)

tests/test_autograder_strength.py checks that these scores equal nbgrader's for a sample of versions.
Run as ``python one_kernel.py SPEC.json OUT.json`` (see :func:`grade_versions`).
"""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path


def grade_versions(notebook: Path, versions: dict[str, tuple[str, str]], timeout: int | None,
                   *, seconds: float = 1800) -> dict[str, dict[str, tuple[float, float]] | str]:
    """{version: {grade_id of each autograded test cell: (score, maximum)}}, or a string saying why
    a version could not be graded (its process died). ``versions`` maps a name to ``(function, code)``:
    ``code`` is appended to the cell that defines ``function``. The name ``"solution"`` is the
    notebook unchanged. Runs in one fresh Python process (``seconds`` at most)."""
    with tempfile.TemporaryDirectory(prefix="one-kernel-") as tmp:
        spec, out = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec.write_text(json.dumps({"notebook": str(Path(notebook).resolve()), "timeout": timeout,
                                    "versions": {k: list(v) for k, v in versions.items()}}))
        env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
        proc = subprocess.run([sys.executable, str(Path(__file__)), str(spec), str(out)], cwd=tmp, env=env,
                              capture_output=True, text=True, timeout=seconds)
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"grading in one kernel failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                               f"{proc.stderr[-3000:]}")
        found = json.loads(out.read_text())
    return {k: v if isinstance(v, str) else {g: tuple(s) for g, s in v.items()} for k, v in found.items()}


# ---- what runs in the grading process ---------------------------------------------------------------


class _Capture:
    """sys.stderr for one cell: remembers whether anything was written."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def write(self, s: str) -> int:
        self.text.append(s)
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _on_limit(signum, frame):
    raise KeyboardInterrupt  # what the kernel receives when nbgrader interrupts a cell over the limit


def preimport(cells: list[dict], shell, timeout) -> list[str]:
    """Import in the parent, once, every module that a run of the whole notebook imports (directly, or
    lazily, as ``torch.func.jacrev`` does on its first call), other than ovptools (whose functions the
    hidden tests block), so that no child pays for importing them again. The run is made in a
    throw-away child. An import that shows a warning or writes anything would hide that output from
    the cell that imports it: that is refused."""
    import importlib
    import io
    import warnings
    from contextlib import redirect_stderr, redirect_stdout

    def modules_of_a_run() -> str:
        try:
            _run(cells, 0, "", shell, timeout, {})
            return json.dumps(list(sys.modules))
        except BaseException:  # noqa: BLE001 - import nothing ahead
            return "[]"

    text, _ = _in_child(modules_of_a_run)
    names = [n for n in json.loads(text or "[]") if n not in sys.modules and n.split(".")[0] != "ovptools"]
    out, done = io.StringIO(), []
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(out), redirect_stderr(out):
        for name in names:
            try:
                importlib.import_module(name)
                done.append(name)
            except Exception:  # noqa: BLE001, S112 - made at run time (not importable by name): left to the cell
                continue
    if caught or out.getvalue():
        raise RuntimeError(f"importing ahead what the notebook imports warned or printed: "
                           f"{[str(w.message) for w in caught]} {out.getvalue()[:500]}")
    return done


def run_cell(shell, source: str, timeout: int | None) -> list[dict]:
    """Run one cell and return the outputs nbgrader would score: an error, a stderr stream (Python's
    or the file descriptor's), the execute_result."""
    capture, saved_err = _Capture(), sys.stderr
    sys.stdout.flush()
    fd_file = tempfile.TemporaryFile()
    saved_fd = os.dup(2)
    os.dup2(fd_file.fileno(), 2)
    sys.stderr = capture
    if timeout:
        signal.setitimer(signal.ITIMER_PROF, timeout)
    try:
        result = shell.run_cell(source, store_history=True)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        sys.stderr = saved_err
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
    fd_file.seek(0)
    written = "".join(capture.text) + fd_file.read().decode(errors="replace")
    fd_file.close()
    outputs = []
    if written:
        outputs.append({"output_type": "stream", "name": "stderr", "text": written})
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        outputs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
                        "traceback": []})
    elif result.result is not None:
        data, _ = shell.display_formatter.format(result.result)
        outputs.append({"output_type": "execute_result", "execution_count": 1, "data": data, "metadata": {}})
    return outputs


def score(cell: dict, outputs: list[dict]) -> tuple[float, float]:
    """nbgrader's own score of a test cell with these outputs."""
    import nbformat
    from nbgrader.utils import determine_grade

    node = nbformat.from_dict({**cell, "outputs": outputs, "execution_count": 1})
    got, top = determine_grade(node)
    return float(got), float(top)


def _is_test(cell: dict) -> bool:
    meta = cell["metadata"].get("nbgrader", {})
    return cell["cell_type"] == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _run(cells: list[dict], start: int, extra: str, shell, timeout, scores: dict) -> dict:
    for k in range(start, len(cells)):
        cell = cells[k]
        source = "".join(cell["source"]) + (("\n\n\n" + extra) if k == start and extra else "")
        outputs = run_cell(shell, source, timeout)
        if _is_test(cell):
            scores[cell["metadata"]["nbgrader"]["grade_id"]] = score(cell, outputs)
    return scores


def _in_child(produce) -> tuple[str, int]:
    """Run ``produce`` (which returns text and catches its own errors) in a forked copy of this process,
    which exits without cleanup; return its text and its wait status."""
    read, write = os.pipe()
    gc.freeze()  # the parent's objects stay out of the child's collections: no copy of every page they sit on
    pid = os.fork()
    if pid == 0:
        os.close(read)
        text = produce()
        with os.fdopen(write, "w") as pipe:
            pipe.write(text)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    return text, status


def _forked(cells, start, extra, shell, timeout, scores) -> dict | str:
    def grade() -> str:  # the child: grade this version, send the scores
        try:
            return json.dumps(_run(cells, start, extra, shell, timeout, dict(scores)))
        except BaseException as err:  # noqa: BLE001 - report anything, never return into the parent's loop
            return json.dumps(f"grading stopped: {type(err).__name__}: {err}")

    text, status = _in_child(grade)
    if not text:
        return f"the kernel died (wait status {status})"
    return json.loads(text)


def main(spec_path: str, out_path: str) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    score({"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "points": 1}}, "source": ""}, [])

    spec = json.loads(Path(spec_path).read_text())
    nb = json.loads(Path(spec["notebook"]).read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cells = cells[: max(k for k, c in enumerate(cells) if _is_test(c)) + 1]  # what follows cannot change a score
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    # the error itself is what nbgrader scores; formatting its traceback (syntax highlighting) is not needed
    shell.showtraceback = shell.showsyntaxerror = lambda *args, **kwargs: None
    shell._format_exception_for_storage = lambda *args, **kwargs: {}
    signal.signal(signal.SIGPROF, _on_limit)
    preimport(cells, shell, spec["timeout"])
    here = {}
    for name, (func, _) in spec["versions"].items():
        if name == "solution":
            continue
        k = next((k for k, c in enumerate(cells) if re.search(rf"^def {func}\(", "".join(c["source"]), re.M)), None)
        if k is None:
            raise ValueError(f"no cell of {spec['notebook']} defines {func}")
        here.setdefault(k, []).append(name)
    results: dict[str, object] = {}
    scores: dict[str, tuple[float, float]] = {}
    for k in range(len(cells)):
        for name in here.get(k, []):
            results[name] = _forked(cells, k, spec["versions"][name][1], shell, spec["timeout"], scores)
        _run(cells[: k + 1], k, "", shell, spec["timeout"], scores)
    if "solution" in spec["versions"]:
        results["solution"] = scores
    Path(out_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
