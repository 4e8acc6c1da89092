"""The course in a real browser: JupyterLab in headless Chromium (Debian's, driven by Playwright).

For each lecture with a widget: open it, restart the kernel and run all cells, move a slider, and
check that the figure was redrawn for the new value (by the status line the widget prints), that no
cell shows an error and that no widget is left "Loading". Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from servers import wait_for_http

from ovptools.course import instructor

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "browser"

# notebook → (the widget's first status line, a slider readout to edit, the value to type, the status after)
WIDGET_LECTURES = {
    "02-pl-condition.ipynb": ("redrawn: step = 1.00/β, x₀ = 7", 0, "0.5", "redrawn: step = 0.50/β, x₀ = 7"),
    "04-two-layer-gram.ipynb": ("redrawn: m = 1000, η = 1.0/λ_max(H∞), n = 100", 0, "200", "redrawn: m = 200,"),
    "07-deep-lazy.ipynb": ("redrawn: m = 128, L = 3, step = 1.0·η₀", 0, "64", "redrawn: m = 64,"),
    "09-landscape-saddles.ipynb": ("redrawn: α = 14.1", 0, "1", "redrawn: α = 1.0"),
    "10-implicit-bias.ipynb": ("redrawn: t = 11 —", 0, "3", "redrawn: t = 987 —"),
}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(), reason="Debian's chromium is not installed (`make browser` installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token, serving a scratch copy of course/ (so nothing is saved back).

    In the copy, each widget lecture keeps its text, its first code cell (the imports) and its widget
    cell: running the whole lecture is ``test_notebooks``' job, and its experiments would only slow
    down what this test checks (the widget in a real browser)."""
    instructor.lab_settings()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "course", root / "course")
    for name in WIDGET_LECTURES:
        _keep_widget_cells(root / "course" / "lectures" / name)
    token, port = secrets.token_hex(16), _free_port()
    log = open(root / "jupyterlab.log", "w")
    cmd = [
        str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root / 'course'}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_http(f"{base}/api/status?token={token}", seconds=120, process=server):
            raise RuntimeError(f"JupyterLab did not start; see {root / 'jupyterlab.log'}")
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _keep_widget_cells(path: Path) -> None:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    keep = {id(code[0])} | {id(c) for c in code if "_demo(" in "".join(c["source"])}
    assert len(keep) > 1, f"{path.name}: no widget cell found"
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] != "code" or id(c) in keep]
    path.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


@pytest.mark.parametrize("notebook", sorted(WIDGET_LECTURES))
def test_widget_lecture_in_jupyterlab(lab, browser, notebook):
    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = notebook.removesuffix(".ipynb")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(f"{base}/lab/tree/lectures/{notebook}?token={token}&reset")
    page.locator(".jp-Notebook").first.wait_for()
    try:
        _run_and_check(page, notebook, stem)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{stem}-failed.png"))
        raise
    finally:
        page.close()


def _run_and_check(page, notebook: str, stem: str) -> None:
    first, slider, value, after = WIDGET_LECTURES[notebook]
    page.get_by_text("Kernel status: Idle").first.wait_for(state="attached")
    page.screenshot(path=str(ARTIFACTS / f"{stem}-opened.png"))

    # Kernel → Restart Kernel and Run All Cells…, then confirm.
    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel and Run All Cells").click()
    page.locator(".jp-Dialog button.jp-mod-accept").click()

    status = page.locator(".widget-html-content", has_text="redrawn:")
    status.filter(has_text=first).first.wait_for()
    # every cell has run: no "[*]" prompts left and the kernel is idle again
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"
    )
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
    (ARTIFACTS / f"{stem}-status.json").write_text(json.dumps({"status": status.first.inner_text()}))
