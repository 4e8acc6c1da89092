"""Waiting for a local server that a test started (JupyterLab, JupyterHub, the site), and the headless
Chromium that the browser, site and class-server tests drive."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's Chromium (`make browser` installs it; Playwright cannot download its own here)."""


def wait_for_http(url: str, *, seconds: float, process=None) -> bool:
    """True once a GET of ``url`` answers 200; False when ``process`` (a Popen) has exited or
    ``seconds`` have passed first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


@contextlib.contextmanager
def headless_chromium():
    """Debian's Chromium under Playwright, headless, without the background traffic a test does not want."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"],
        )
        try:
            yield b
        finally:
            b.close()


def stop(process, *, seconds: float = 20) -> None:
    """Terminate a server a test started, killing it if it has not exited after ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
