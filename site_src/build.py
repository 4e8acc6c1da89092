"""Build the course website into ``site/`` (``make site``) from the committed, executed notebooks.

The pages follow whatever notebooks exist, with no list to keep in step:

- ``course/README.md`` is the landing page; its ``## Part …`` sections become the navigation's parts
  (each part holds the notebooks its section links to, in order); a notebook no part links to is
  listed under "More notebooks".
- every lecture ``course/lectures/*.ipynb`` and every student assignment
  ``course/assignments/<name>/*.ipynb`` (the released versions: no solution, no hidden test);
- ``course/notation.md`` (or ``.ipynb``) when there is one, else the ``## Notation`` section of the
  repository's README.md;
- "Run it yourself": the README's two commands and the class server.

Nothing is executed: a widget's saved static figure is kept, its live view is replaced by a line
saying that the live version needs a running kernel. Each notebook page links to the unchanged
notebook for download. Usage: ``python site_src/build.py [--out site] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "course"
CONF_DIR = Path(__file__).resolve().parent
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LIVE_NOTE = (
    "*The figure above is the saved picture of an interactive widget. The live version needs a running "
    "kernel: download this notebook (link at the top of the page) and run it in JupyterLab.*"
)


def notebooks() -> list[Path]:
    """The lecture notebooks and the student versions of the assignments, relative to course/."""
    lectures = sorted((COURSE / "lectures").glob("*.ipynb"))
    assignments = sorted((COURSE / "assignments").glob("*/*.ipynb"))
    return [p.relative_to(COURSE) for p in lectures + assignments if ".ipynb_checkpoints" not in p.parts]


def parts(index_text: str) -> list[tuple[str, list[str]]]:
    """The index's ``## Part …`` sections, each with the notebooks it links to (paths as written)."""
    out: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in index_text.splitlines():
        heading = re.match(r"^##\s+(.*\S)\s*$", line)
        if heading:
            current = None
            if re.match(r"Part\b", heading.group(1)):
                current = []
                out.append((heading.group(1), current))
            continue
        if current is not None:
            for target in re.findall(r"\]\(([^)\s]+\.ipynb)\)", line):
                if target not in current:
                    current.append(target)
    return out


def section(markdown: str, title: str) -> str | None:
    """The body of the ``## <title>`` section of a markdown text (up to the next ``## ``), or None."""
    m = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", markdown, flags=re.M | re.S)
    return m.group(1).strip() if m else None


def toctree(caption: str, docs: list[str]) -> str:
    lines = "\n".join(docs)
    return f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{lines}\n```\n"


def prepare_notebook(src: Path, rel: Path) -> dict:
    """The page version of a notebook: a download link first, widget views replaced by a note."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb = copy.deepcopy(nb)
    nb.get("metadata", {}).pop("widgets", None)  # the widget state would pull the widget manager from a CDN
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        outputs, had_widget = [], False
        for out in cell.get("outputs", []):
            if WIDGET_MIME in out.get("data", {}):
                had_widget = True
                continue
            outputs.append(out)
        if had_widget:
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"text/markdown": LIVE_NOTE, "text/plain": LIVE_NOTE}})
        cell["outputs"] = outputs
    back = "../" * (len(rel.parts) - 1)
    link = (f"{{download}}`Download this notebook ({rel.name}) </_ipynb/{rel.as_posix()}>` to run it yourself "
            f"(see [Run it yourself]({back}run-it-yourself.md)).")
    # right under the title, so that the page keeps the notebook's first heading as its title
    first = nb["cells"][0] if nb["cells"] else None
    text = "".join(first["source"]) if first and first.get("cell_type") == "markdown" else ""
    if text.lstrip().startswith("# "):
        title, _, rest = text.lstrip().partition("\n")
        first["source"] = f"{title}\n\n{link}\n\n{rest.lstrip()}"
    else:
        nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "id": "download-this-notebook",
                               "source": link})
    return nb


def run_it_yourself(readme: str) -> str:
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    commands = block.group(1).rstrip() if block else "make course\nmake test"
    return f"""# Run it yourself

Every page of this site is a notebook: download it (the link at the top of each page) to run it and
to play with the live widgets. To get the whole course with its package, clone the repository and
run, in its folder:

```bash
{commands}
```

Both need only Python ≥ 3.11 with `pip` (and `make`); the first run sets up a virtual environment in
`.venv/` and takes a few minutes. `make course` opens the course in JupyterLab on `course/README.md`.

**A class on one server.** For a class rather than one student, the repository's `hub/` folder runs
the course on one machine with JupyterHub and nbgrader (`make hub`, as root on Debian): students fetch
assignments and hand them in, instructors grade them. `hub/README.md` describes the setup.
"""


def stage(staging: Path) -> dict:
    """Write the Sphinx source tree; returns what was staged (for the summary line)."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    index = (COURSE / "README.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    nbs = notebooks()
    for rel in nbs:
        page = staging / rel
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(json.dumps(prepare_notebook(COURSE / rel, rel), ensure_ascii=False), encoding="utf-8")
        original = staging / "_ipynb" / rel
        original.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(COURSE / rel, original)

    extra: list[str] = []
    notation = next((p for p in (COURSE / "notation.md", COURSE / "notation.ipynb") if p.is_file()), None)
    if notation is not None:
        shutil.copy2(notation, staging / notation.name)
        extra.append("notation")
    else:
        table = section(readme, "Notation")
        if table:
            (staging / "notation.md").write_text(f"# Notation\n\n{table}\n", encoding="utf-8")
            extra.append("notation")
    (staging / "run-it-yourself.md").write_text(run_it_yourself(readme), encoding="utf-8")
    extra.append("run-it-yourself")

    known = {rel.with_suffix("").as_posix() for rel in nbs}
    listed: list[str] = []
    trees = []
    for caption, targets in parts(index):
        docs = [t[: -len(".ipynb")] for t in targets if t[: -len(".ipynb")] in known]
        listed += docs
        if docs:
            trees.append(toctree(caption, docs))
    rest = [d for d in sorted(known) if d not in listed]
    if rest:
        trees.append(toctree("More notebooks", rest))
    trees.append(toctree("Reference", extra))
    (staging / "index.md").write_text(index.rstrip() + "\n\n" + "\n".join(trees), encoding="utf-8")
    return {"notebooks": len(nbs), "parts": len(parts(index))}


def copy_mathjax(out: Path) -> None:
    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    dest = out / "_static" / "mathjax"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)


def build(out: Path, jobs: int = 1, work: Path | None = None) -> int:
    """Stage the sources in ``work``/src, build there (Sphinx and myst-nb keep their scratch files
    beside the output, in ``work``), then move the HTML to ``out``."""
    from sphinx.cmd.build import build_main

    work = work or REPO / "build" / "site"
    t0, c0 = time.perf_counter(), time.process_time()
    staged = stage(work / "src")
    html = work / "html"
    for old in (html, out):
        if old.exists():
            shutil.rmtree(old)
    args = ["-b", "html", "-q", "-E", "-c", str(CONF_DIR), "-d", str(work / "doctrees"),
            "-j", str(jobs), str(work / "src"), str(html)]
    rc = build_main(args)
    if rc == 0:
        copy_mathjax(html)
        (html / ".nojekyll").touch()  # GitHub Pages: serve _static/ and _sources/ as they are
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(html, out)
        pages = len(list(out.rglob("*.html")))
        print(f"site: {out} — {staged['notebooks']} notebooks in {staged['parts']} parts, {pages} HTML files, "
              f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU (this process)")
    return rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "site", help="output folder (default: site/)")
    ap.add_argument("--jobs", type=int, default=1, help="Sphinx worker processes (default: 1)")
    ap.add_argument("--work", type=Path, default=REPO / "build" / "site",
                    help="scratch folder for the sources and the build (default: build/site/)")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error(f"--jobs must be a positive integer, got {args.jobs}")
    return build(args.out.resolve(), jobs=args.jobs, work=args.work.resolve())


if __name__ == "__main__":
    sys.exit(main())
