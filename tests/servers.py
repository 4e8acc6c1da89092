"""Waiting for a local server that a test started (JupyterLab, JupyterHub)."""

from __future__ import annotations

import time
import urllib.request


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
