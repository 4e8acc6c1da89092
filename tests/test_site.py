"""The course website (``make site``): built once, served on 127.0.0.1 and read in headless Chromium.

- the build follows the notebooks on disk, runs nothing, warns about nothing and takes at most 60 s;
- every internal link and anchor of the built HTML resolves (a check over the files themselves);
- no line of a ``### BEGIN SOLUTION`` region or of a hidden test of ``solutions/source/`` is anywhere in
  the site (the text of each HTML page, and every other file as it is);
- in Chromium, every page: no console error, every image loaded, every formula typeset by MathJax (no
  raw ``$…$`` or ``\\(…\\)`` left, no error node); the Check-yourself answers are collapsed; a widget
  shows its saved figure and the line about the live version; search finds a lecture.

Screenshots of the landing page and of a lecture, and the counts checked, go to test-artifacts/site/.
"""

from __future__ import annotations

import html
import json
import re
import resource
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from servers import CHROMIUM, headless_chromium, stop, wait_for_http

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "site"
BUILD_SECONDS = 60
LIVE_LINE = "The live version needs a running kernel"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

pytestmark = [pytest.mark.site, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``site_src/build.py`` run once into a scratch folder: (site folder, wall s, CPU s, stderr)."""
    root = tmp_path_factory.mktemp("site")
    out = root / "site"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(REPO / "site_src" / "build.py"), "--out", str(out), "--work", str(root / "work")],
        capture_output=True, text=True, timeout=600,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, wall, cpu, proc.stderr


def _summary(**counts) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "summary.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data.update(counts)
    path.write_text(json.dumps(data, indent=2))


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if not p.relative_to(site).parts[0].startswith("_"))


def _notebooks() -> list[Path]:
    course = REPO / "course"
    return sorted((course / "lectures").glob("*.ipynb")) + sorted((course / "assignments").glob("*/*.ipynb"))


# ------------------------------------------------------------------------------------------- the build


def test_build_follows_the_notebooks_quietly_and_fast(built):
    site, wall, cpu, stderr = built
    assert "WARNING" not in stderr and "ERROR" not in stderr, stderr
    course = REPO / "course"
    for nb in _notebooks():
        page = site / nb.relative_to(course).with_suffix(".html")
        assert page.is_file(), f"no page for {nb.relative_to(REPO)}"
    assert (site / "index.html").is_file() and (site / "run-it-yourself.html").is_file()
    assert (site / "notation.html").is_file()
    assert (site / "_static" / "mathjax" / "MathJax.js").is_file()
    index = (site / "index.html").read_text()
    run = "".join(_parse(site / "run-it-yourself.html").text)
    assert "make course" in run and "make test" in run and "hub/" in run
    for part in re.findall(r"^## (Part .*)$", (course / "README.md").read_text(), flags=re.M):
        assert html.escape(part.strip(), quote=False) in index, part
    _summary(build_wall_s=round(wall, 1), build_cpu_s=round(cpu, 1), pages=len(_pages(site)))
    assert wall <= BUILD_SECONDS or cpu <= BUILD_SECONDS, f"build took {wall:.0f} s wall, {cpu:.0f} s CPU"


# ----------------------------------------------------------------------------------- links and anchors


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") in ("canonical",)):
                self.refs.append(a[key])
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_internal_link_and_anchor_resolves(built):
    site = built[0]
    # every page (the theme's _static/*.html are Jinja templates it ships, not pages)
    parsed = {p: _parse(p) for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts}
    broken, checked = [], 0
    for page, links in parsed.items():
        for ref in links.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if parts.path.endswith("/"):
                target = target / "index.html"
            checked += 1
            if not target.is_file() or site.resolve() not in target.resolve().parents:
                broken.append(f"{page.relative_to(site)}: {ref} (no file)")
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html" and frag not in (parsed.get(target) or _parse(target)).ids:
                broken.append(f"{page.relative_to(site)}: {ref} (no anchor)")
    assert checked > 100
    assert not broken, "\n".join(broken[:40])
    _summary(links_checked=checked)


def test_each_notebook_page_links_to_its_notebook(built):
    site = built[0]
    course = REPO / "course"
    for nb in _notebooks():
        rel = nb.relative_to(course)
        page = site / rel.with_suffix(".html")
        hrefs = [r for r in _parse(page).refs if r.endswith("/" + nb.name) and "_downloads/" in r]
        assert hrefs, f"{page.relative_to(site)} has no download link to {nb.name}"
        assert (page.parent / hrefs[0]).read_bytes() == nb.read_bytes(), "the download is not the notebook"


# ---------------------------------------------------------------------------------------- no solutions


def _regions(source: str, begin: str, end: str) -> list[str]:
    return re.findall(rf"{re.escape(begin)}\n(.*?){re.escape(end)}", source, flags=re.S)


def _solution_lines() -> set[str]:
    """Distinctive lines of every solution region and hidden test: those no released notebook contains."""
    released = "\n".join("".join(cell["source"]) for nb in _notebooks()
                         for cell in json.loads(nb.read_text())["cells"])
    secret: set[str] = set()
    for src in sorted((REPO / "solutions" / "source").glob("*/*.ipynb")):
        for cell in json.loads(src.read_text())["cells"]:
            text = "".join(cell["source"])
            for body in _regions(text, "### BEGIN SOLUTION", "### END SOLUTION") + _regions(
                text, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
            ):
                for ln in body.splitlines():
                    ln = ln.strip()
                    if len(ln) >= 16 and ln not in released and not ln.startswith("#"):
                        secret.add(ln)
    return secret


def _site_texts(site: Path) -> dict[Path, str]:
    """Each file's text as a reader or a search engine sees it: HTML pages as their text, others raw."""
    texts = {}
    for path in site.rglob("*"):
        if not path.is_file() or path.suffix in (".png", ".jpg", ".svg", ".woff", ".woff2", ".ttf", ".eot", ".otf"):
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            raw = "".join(_parse(path).text) + "\n" + raw
        texts[path] = raw
    return texts


def test_no_solution_or_hidden_test_appears_in_the_site(built):
    site = built[0]
    secret = _solution_lines()
    assert len(secret) > 30, "too few solution lines extracted to make this check mean anything"
    texts = _site_texts(site)
    # control: visible test lines of the released assignments are found by the same search
    visible = [ln for nb in sorted((REPO / "course" / "assignments").glob("*/*.ipynb"))
               for cell in json.loads(nb.read_text())["cells"] if cell["cell_type"] == "code"
               and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
               for ln in "".join(cell["source"]).splitlines() if ln.strip().startswith("assert") and len(ln) > 24]
    assert visible, "no visible test lines in the released assignments"
    missing = [ln for ln in visible[:20] if not any(ln.strip() in t for t in texts.values())]
    assert not missing, f"the search does not find visible test lines on the site: {missing[:3]}"
    leaks = sorted({f"{p.relative_to(site)}: {ln}" for ln in secret for p, t in texts.items() if ln in t})
    assert not leaks, "\n".join(leaks[:20])
    _summary(solution_lines_searched=len(secret), site_files_searched=len(texts))


# -------------------------------------------------------------------------------------------- browser

_READY = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  const hasMath = document.querySelector('.math.notranslate') !== null;
  if (hasMath) {
    const t0 = Date.now();
    while (!(window.MathJax && window.MathJax.isReady) && Date.now() - t0 < 90000) {
      await new Promise(r => setTimeout(r, 100));
    }
    if (window.MathJax && window.MathJax.Hub) {
      await new Promise(r => window.MathJax.Hub.Queue(() => r(null)));
    }
  }
  const mathEls = [...document.querySelectorAll('.math.notranslate')];
  const untypeset = mathEls.filter(e => !e.querySelector('script[type^="math/tex"]'))
                           .map(e => e.textContent.slice(0, 80));
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('script, style, pre, code, .highlight, .MathJax, .MathJax_Display, .MathJax_Preview, '
                         + '.MJX_Assistive_MathML, .MathJax_Error').forEach(e => e.remove());
  const text = clone.textContent;
  const raw = (text.match(/\\$[^$\\n]+\\$|\\\\\\(|\\\\\\[/g) || []).slice(0, 5);
  return {
    hasMath,
    mathjax: !!(window.MathJax && window.MathJax.isReady),
    formulas: document.querySelectorAll('script[type^="math/tex"]').length,
    mathEls: mathEls.length,
    untypeset: untypeset.slice(0, 5),
    errors: [...document.querySelectorAll('.merror, .mjx-merror, .MathJax_Error')].map(e => e.textContent).slice(0, 5)
            .concat(document.body.textContent.includes('Math Processing Error') ? ['Math Processing Error'] : []),
    raw,
    images: imgs.length,
    broken: imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    details: document.querySelectorAll('details').length,
    openDetails: [...document.querySelectorAll('details')].filter(d => d.open).length,
    live: document.body.textContent.includes('""" + LIVE_LINE + """'),
  };
}"""


@pytest.fixture(scope="module")
def served(built):
    site = built[0]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for_http(f"{base}/index.html", seconds=60, process=server), "the static server did not start"
        yield site, base
    finally:
        stop(server)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed (`make browser` installs it)")
    with headless_chromium() as b:
        yield b


def _widget_pages() -> set[str]:
    course = REPO / "course"
    out = set()
    for nb in _notebooks():
        cells = json.loads(nb.read_text())["cells"]
        if any(WIDGET_MIME in o.get("data", {}) for c in cells for o in c.get("outputs", [])):
            out.add(nb.relative_to(course).with_suffix(".html").as_posix())
    return out


def test_every_page_in_chromium(served, browser):
    site, base = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget_pages = _widget_pages()
    first_lecture = sorted((site / "lectures").glob("*.html"))[0].relative_to(site).as_posix()
    pages = [p.relative_to(site).as_posix() for p in _pages(site)]
    problems: list[str] = []
    totals = {"pages": 0, "images": 0, "formulas": 0, "details": 0}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    for rel in pages:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m, c=console: c.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, c=console: c.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r, c=console: c.append(f"request failed: {r.url}"))
        page.goto(f"{base}/{rel}", wait_until="load", timeout=120_000)
        r = page.evaluate(_READY)
        totals["pages"] += 1
        totals["images"] += r["images"]
        totals["formulas"] += r["formulas"]
        totals["details"] += r["details"]
        where = f"{rel}:"
        if console:
            problems.append(f"{where} console errors {console[:3]}")
        if r["broken"]:
            problems.append(f"{where} images not loaded {r['broken'][:3]}")
        if r["hasMath"] and not r["mathjax"]:
            problems.append(f"{where} MathJax did not start")
        if r["untypeset"] or r["errors"] or r["raw"]:
            problems.append(f"{where} math not typeset {r['untypeset']} errors {r['errors']} raw {r['raw']}")
        if r["openDetails"]:
            problems.append(f"{where} {r['openDetails']} answers shown open")
        if rel in widget_pages:
            html_text = (site / rel).read_text()
            if not r["live"] or "widget-view+json" in html_text:
                problems.append(f"{where} widget: no line about the live version, or a widget view left")
        if rel == "index.html":
            page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)
        if rel == first_lecture:
            page.screenshot(path=str(ARTIFACTS / "lecture.png"), full_page=False)
        page.close()
    context.close()
    _summary(**{f"browser_{k}": v for k, v in totals.items()})
    assert not problems, "\n".join(problems)
    assert totals["pages"] == len(pages) >= len(_notebooks()) + 3
    assert totals["formulas"] > 100 and totals["images"] > 10 and totals["details"] > 0
    assert widget_pages, "no widget lecture: the live-version line was not checked"


def test_search_finds_a_lecture(served, browser):
    _, base = served
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/search.html?q=Jacobian", wait_until="load", timeout=120_000)
    page.wait_for_selector("ul.search li a", timeout=60_000)
    hits = page.eval_on_selector_all("ul.search li a", "els => els.map(e => e.getAttribute('href'))")
    page.close()
    assert not errors, errors
    assert any("lectures/03-least-squares-jacobians" in h for h in hits), hits
