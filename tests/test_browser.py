"""The course in a real browser: JupyterLab in headless Chromium (Debian's, driven by Playwright),
started as `make course` starts it (the student's copy, the student's configuration).

- The URL JupyterLab prints opens the course index, and nbgrader's instructor tools (its menu, the
  Create Assignment panel, the Validate button) are not there.
- For each lecture with a widget: open it, restart the kernel and run all cells, move a slider, and
  check that the figure was redrawn for the new value (by the status line the widget prints), that
  no cell shows an error and that no widget is left "Loading". Lectures 2, 4 and 5 keep only their
  widget cells; Lecture 7, a training lecture, runs whole with its progress bars on, as a student
  runs it; it is then saved and reopened, and must show no red progress bar and no widget error.
- A feedback page, opened with the network off, shows typeset mathematics.
Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import ast
import json
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbgrader_helpers import scratch_course, submit
from servers import CHROMIUM, headless_chromium, stop, wait_for_http

from ovptools.course import feedback, instructor, studentlab

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "browser"

# notebook → (the widget's first status line, a slider readout to edit, the value to type, the status after)
WIDGET_LECTURES = {
    "01-gd-sgd.ipynb": ("redrawn: η = 0.40, B = 1, noisy labels", 0, "0.1", "redrawn: η = 0.10, B = 1,"),
    "02-pl-condition.ipynb": ("redrawn: step = 1.00/β, x₀ = 7", 0, "0.5", "redrawn: step = 0.50/β, x₀ = 7"),
    "04-two-layer-gram.ipynb": ("redrawn: m = 1000, η = 1.0/λ_max(H∞), n = 100", 0, "200", "redrawn: m = 200,"),
    "05-fine-grained.ipynb": ("redrawn: p = 0.00 —", 0, "0.5", "redrawn: p = 0.50 —"),
    "07-deep-lazy.ipynb": ("redrawn: m = 128, H = 3, step = 1.0·η₀", 0, "64", "redrawn: m = 64,"),
    "09-landscape-saddles.ipynb": ("redrawn: α = 14.1", 0, "1", "redrawn: α = 1.0"),
    "10-implicit-bias.ipynb": ("redrawn: t = 11 —", 0, "3", "redrawn: t = 987 —"),
}

WHOLE = "07-deep-lazy.ipynb"
"""The training lecture run whole (the others keep only their widget cells)."""
WHOLE_SECONDS = 900
"""How long the whole lecture may take in the browser on a loaded machine (15 s on a quiet one)."""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(), reason="Debian's chromium is not installed (`make browser` installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    base: str
    token: str
    printed_url: str
    """The URL JupyterLab printed for the student to open (its token filled in)."""
    work: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token, as `make course` starts it: on the student's copy of a
    scratch copy of course/ (so nothing is saved back), with the student's configuration. The kernels
    see no test variables, so progress bars show as they do for a student."""
    instructor.lab_settings()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "course", root / "course")
    for name in WIDGET_LECTURES:
        if name != WHOLE:
            _keep_widget_cells(root / "course" / "lectures" / name)
    work = root / studentlab.WORKSPACE
    studentlab.sync_workspace(root / "course", work)
    config = studentlab.student_config(root / "config")
    token, port = secrets.token_hex(16), _free_port()
    env = studentlab.lab_environment(config)
    for name in ("PYTEST_CURRENT_TEST", "OVP_NO_PROGRESS", "OVP_STATIC_WIDGETS", "NBGRADER_EXECUTION"):
        env.pop(name, None)
    env["OMP_NUM_THREADS"] = "1"
    log_path = root / "jupyterlab.log"
    log = open(log_path, "w")
    cmd = studentlab.lab_command(work, port=port, token=token, browser=False)
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_http(f"{base}/api/status?token={token}", seconds=120, process=server):
            raise RuntimeError(f"JupyterLab did not start; see {log_path}")
        printed = re.findall(rf"(http://127\.0\.0\.1:{port}/\S*)", log_path.read_text())
        assert printed, f"JupyterLab printed no URL; see {log_path}"
        url = printed[-1].replace("token=...", f"token={token}")
        yield Lab(base, token, url, work)
    finally:
        stop(server)
        log.close()


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell defines at top level, names it reads)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    defined = {t.id for node in tree.body if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
               for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
               for t in ast.walk(target) if isinstance(t, ast.Name)}
    defined |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return defined, read


def _keep_widget_cells(path: Path) -> None:
    """Keep the first code cell (imports), the widget cells and the earlier cells whose results they use."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    keep = {id(code[0])} | {id(c) for c in code if "_demo(" in "".join(c["source"])}
    assert len(keep) > 1, f"{path.name}: no widget cell found"
    needed: set[str] = set()
    for cell in reversed(code):
        defined, read = _names("".join(cell["source"]))
        if id(cell) in keep or defined & needed:
            keep.add(id(cell))
            needed = (needed - defined) | read
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] != "code" or id(c) in keep]
    path.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b


def test_the_printed_url_opens_the_index_without_nbgraders_instructor_tools(lab, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert "/lab/tree/README.md?" in lab.printed_url, lab.printed_url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        page.goto(lab.printed_url)
        page.locator(".jp-RenderedMarkdown h1", has_text="The course: why").first.wait_for()
        assert "README.md" in page.locator(".lm-TabBar-tab.jp-mod-current").first.inner_text()
        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "index.png"))
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Nbgrader" not in menus, menus
        config = json.loads(page.locator("#jupyter-config-data").text_content())
        for plugin in ("menu", "create-assignment", "validate-assignment", "formgrader"):
            assert config["disabledExtensions"].count(f"@jupyter/nbgrader:{plugin}") == 1, plugin
        page.goto(f"{lab.base}/lab/tree/assignments/ps0_warmup/ps0_warmup.ipynb?token={lab.token}&reset")
        page.get_by_text("Kernel status: Idle").first.wait_for(state="attached")
        assert page.locator(".jp-Toolbar button", has_text="Validate").count() == 0
        assert page.get_by_text("Create Assignment").count() == 0
    finally:
        page.close()


@pytest.mark.parametrize("notebook", sorted(WIDGET_LECTURES))
def test_widget_lecture_in_jupyterlab(lab, browser, notebook):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = notebook.removesuffix(".ipynb")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WHOLE_SECONDS * 1000 if notebook == WHOLE else 120_000)
    url = f"{lab.base}/lab/tree/lectures/{notebook}?token={lab.token}&reset"
    page.goto(url)
    page.locator(".jp-Notebook").first.wait_for()
    try:
        _run_and_check(page, notebook, stem)
        if notebook == WHOLE:
            _save_reopen_and_check(page, url, notebook, stem)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{stem}-failed.png"), full_page=True)
        raise
    finally:
        page.close()


def _problems(page) -> dict[str, int]:
    """What a student must never see after a run: red (failed) progress bars, widgets that cannot
    be shown, and progress-bar widgets left in the outputs."""
    return {
        "red progress bars": page.locator(".progress-bar-danger, .widget-progress .bar-danger").count(),
        "widget errors": page.get_by_text("Error displaying widget").count(),
        "progress bars left": page.locator(".jp-OutputArea .widget-hprogress, .jp-OutputArea .widget-progress").count(),
    }


def _run_and_check(page, notebook: str, stem: str) -> None:
    first, slider, value, after = WIDGET_LECTURES[notebook]
    page.get_by_text("Kernel status: Idle").first.wait_for(state="attached")
    page.screenshot(path=str(ARTIFACTS / f"{stem}-opened.png"))

    start = time.monotonic()
    _restart_and_run_all(page)

    status = page.locator(".widget-html-content", has_text="redrawn:")
    status.filter(has_text=first).first.wait_for()
    # every cell has run: no "[*]" prompts left and the kernel is idle again
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"
    )
    seconds = time.monotonic() - start
    widget = status.first.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{stem}-ran.png"))

    readout = widget.locator(".widget-readout").nth(slider)
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    widget.locator(".widget-html-content", has_text=after).wait_for()
    page.screenshot(path=str(ARTIFACTS / f"{stem}-after-slider.png"))

    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
    assert not texts, f"{notebook}: cells show errors: {texts}"
    assert page.get_by_text("Loading widget").count() == 0, f"{notebook}: a widget never loaded"
    assert page.get_by_text("Traceback").count() == 0
    problems = _problems(page)
    (ARTIFACTS / f"{stem}-status.json").write_text(json.dumps(
        {"status": status.first.inner_text(), "run_all_seconds": round(seconds, 1), "after_run": problems}))
    if notebook != WHOLE:  # the whole lecture is checked after it is saved and reopened, both at once
        assert not any(problems.values()), f"{notebook} after Run All: {problems}"


def _restart_and_run_all(page, attempts: int = 3) -> None:
    """Kernel → Restart Kernel and Run All Cells…, then confirm; again if no cell started running
    within a minute (a click that lands while JupyterLab is still settling is lost)."""
    running = "() => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"
    for attempt in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
        page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel and Run All Cells").click()
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        try:
            page.wait_for_function(running, timeout=60_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try the menu again
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def _save_reopen_and_check(page, url: str, notebook: str, stem: str) -> None:
    """Save the lecture, reopen it (the kernel still running, as after an autosave and a reload),
    and check that every output displays."""
    page.locator(".jp-Notebook").first.click()
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')")
    page.goto(url)
    page.locator(".jp-Notebook").first.wait_for()
    page.get_by_text("Kernel status: Idle").first.wait_for(state="attached")
    page.locator(".widget-html-content", has_text="redrawn:").first.wait_for()
    page.wait_for_timeout(3000)  # let every output render
    page.screenshot(path=str(ARTIFACTS / f"{stem}-reopened.png"), full_page=True)
    problems = _problems(page)
    report = json.loads((ARTIFACTS / f"{stem}-status.json").read_text())
    report["after_reopen"] = problems
    (ARTIFACTS / f"{stem}-status.json").write_text(json.dumps(report))
    assert not any(problems.values()) and not any(report["after_run"].values()), \
        f"{notebook}: after Run All {report['after_run']}, saved and reopened {problems}"


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory) -> Path:
    """A real feedback page: ps0 solved by one student, autograded, feedback generated."""
    tmp = tmp_path_factory.mktemp("feedback")
    root = scratch_course(tmp, only=("ps0_warmup",))
    instructor.release(["ps0_warmup"], root=root, dest=tmp / "released")
    submit(root, "ada", "ps0_warmup", root / "source" / "ps0_warmup" / "ps0_warmup.ipynb")
    instructor.autograde("ps0_warmup", root=root)
    report = feedback.feedback("ps0_warmup", root=root)
    assert report.written == ["ada"], report
    return root / "feedback" / "ada" / "ps0_warmup" / "ps0_warmup.html"


def test_feedback_typesets_mathematics_offline(browser, feedback_page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(offline=True)
    remote = []
    context.route(re.compile(r"^https?://"), lambda route: (remote.append(route.request.url), route.abort()))
    page = context.new_page()
    try:
        page.goto(feedback_page.as_uri())
        page.wait_for_function("() => document.querySelectorAll('.MathJax, .MathJax_SVG, mjx-container').length > 0",
                               timeout=60_000)
        typeset = page.locator(".MathJax, .MathJax_SVG, mjx-container").count()
        sources = page.locator("script[type^='math/tex']").count()
        page.screenshot(path=str(ARTIFACTS / "feedback-offline.png"))
        assert typeset >= 5 and sources == typeset, (typeset, sources)
        assert not [u for u in remote if "mathjax" in u.lower()], remote
    finally:
        context.close()
