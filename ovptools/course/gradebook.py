"""Reading the gradebook: each student's autograded score, as a list, a CSV file or a table; where
the gradebook is (its URL, checked before use) and whether it exists. Moving a gradebook from SQLite
into PostgreSQL is :mod:`ovptools.course.migrate`.

The gradebook is the database that ``c.CourseDirectory.db_url`` in ``nbgrader_config.py`` names
(``postgresql://…`` for a class on a shared server); without that line it is nbgrader's default,
``gradebook.db`` (SQLite) in the course root, which is right for one instructor on a laptop.

An assignment that was never autograded is skipped; a gradebook that cannot be read (corrupt,
not a database, from another nbgrader version) raises ``ValueError("gradebook: …")``, so the
instructor never gets an empty CSV that looks like a result.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .paths import course_root


@dataclass
class Grade:
    """One student's autograded result for one assignment."""

    student: str
    score: float
    max_score: float
    status: str
    """'graded', or why there is no grade (no notebook, unreadable notebook, grading failed)."""


NBGRADER_TABLES = {"assignment", "student", "submitted_assignment"}
"""Tables every nbgrader gradebook has; a database without them is someone else's."""


def _check_database(path: Path) -> None:
    """Raise ``ValueError("gradebook: …")`` unless ``path`` is an SQLite database with nbgrader's
    tables. Read-only: nbgrader would otherwise add its tables to whatever file is there."""
    if not path.is_file():
        raise ValueError(f"gradebook: {path} does not exist; autograde an assignment first")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as err:
        raise ValueError(f"gradebook: {path} cannot be read ({type(err).__name__}: {err}); "
                         "expected nbgrader's SQLite gradebook") from None
    if not NBGRADER_TABLES <= tables:
        raise ValueError(f"gradebook: {path} is not an nbgrader gradebook (it lacks the tables "
                         f"{sorted(NBGRADER_TABLES - tables)}); move it away and autograde again")


def course_config(root: Path):
    """The configuration nbgrader sees when run in ``root``: ``nbgrader_config.py`` from each of
    Jupyter's configuration folders (``JUPYTER_CONFIG_PATH``, ``~/.jupyter``, the environment's,
    ``/etc/jupyter``), then the course root's, later ones taking precedence, as nbgrader merges them.
    On a class server the per-user one names the shared gradebook and exchange."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        path = Path(folder) / "nbgrader_config.py"
        if not path.is_file():
            continue
        try:
            config.merge(PyFileConfigLoader(path.name, path=str(path.parent)).load_config())
        except Exception as err:  # noqa: BLE001 - any failure to run it means the same here
            raise ValueError(f"root: cannot read {path} ({type(err).__name__}: {err})") from None
    return config


def gradebook_url(root: str | Path | None = None) -> str:
    """The gradebook's database URL: ``c.CourseDirectory.db_url`` from the course's
    ``nbgrader_config.py``, else nbgrader's default, ``sqlite:///<root>/gradebook.db``."""
    root = course_root(root)
    config = course_config(root)
    if "db_url" in config.CourseDirectory and config.CourseDirectory.db_url:
        url = str(config.CourseDirectory.db_url)
        path = _sqlite_path(url)
        return f"sqlite:///{root / path}" if path is not None and not path.is_absolute() else url
    return f"sqlite:///{root / 'gradebook.db'}"


def course_id(root: str | Path | None = None) -> str:
    """``c.CourseDirectory.course_id`` from the course's ``nbgrader_config.py`` (nbgrader's default if unset)."""
    config = course_config(course_root(root))
    return str(config.CourseDirectory.course_id) if "course_id" in config.CourseDirectory else "default_course"


_SECRET_KEYS = ("password", "passwd", "pwd", "secret", "token", "key")
"""Query parameters of a database URL that hold a secret (``?password=…``, ``?sslpassword=…``)."""


def safe_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and logs): SQLAlchemy's own
    ``render_as_string(hide_password=True)``, after splitting the user part at the *last* ``@`` (a
    password with an unencoded ``@`` would otherwise leave its tail in the host name), and with
    secret query parameters (``?password=…``) masked too. A URL SQLAlchemy cannot read is shown with
    everything between ``://`` and its last ``@`` masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    scheme, sep, rest = str(url).partition("://")
    masked = "\x00masked\x00"
    if sep and "@" in rest:
        userinfo, _, tail = rest.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        rest = f"{user}{':' + masked if colon else ''}@{tail}"
    try:
        parsed = make_url(f"{scheme}{sep}{rest}")
    except (ArgumentError, ValueError):
        return f"{scheme}{sep}***@{rest.rpartition('@')[2]}" if "@" in rest else str(url)
    secret = {k: masked for k in parsed.query if any(word in k.lower() for word in _SECRET_KEYS)}
    if secret:
        parsed = parsed.update_query_dict(secret)
    text = parsed.render_as_string(hide_password=True)
    return re.sub(r"(%00|\x00)masked(%00|\x00)", "***", text)


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _check_server_database(url: str) -> None:
    """Raise ``ValueError("gradebook: …")`` unless ``url`` (a database server) answers and holds
    nbgrader's tables."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError) as err:
        first = str(err).splitlines()[0]
        raise ValueError(f"gradebook: {safe_url(url)} cannot be read ({type(err).__name__}: {first})") from None
    if not NBGRADER_TABLES <= tables:
        raise ValueError(f"gradebook: {safe_url(url)} holds no nbgrader gradebook (it lacks the tables "
                         f"{sorted(NBGRADER_TABLES - tables)}); autograde an assignment first")


def check_gradebook_url(url: str) -> None:
    """Raise ``ValueError("gradebook: …")`` unless ``url`` names a readable nbgrader gradebook."""
    path = _sqlite_path(url)
    if path is not None:
        _check_database(path)
    else:
        _check_server_database(url)


def gradebook_exists(root: Path) -> bool:
    """True if the course's gradebook has been created (autograding creates it)."""
    url = gradebook_url(root)
    path = _sqlite_path(url)
    if path is not None:
        return path.is_file()
    try:
        _check_server_database(url)
    except ValueError:
        return False
    return True


@contextmanager
def open_gradebook(root: Path) -> Iterator:
    """nbgrader's gradebook of ``root`` (wherever ``db_url`` puts it), with a clear error when it
    cannot be read."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SQLAlchemyError

    url = gradebook_url(root)
    path = _sqlite_path(url)
    if path is not None:
        _check_database(path)
    else:
        _check_server_database(url)
    try:
        with Gradebook(url, course_id(root)) as gb:
            yield gb
    except (SQLAlchemyError, sqlite3.Error) as err:
        first = str(err).splitlines()[0]
        raise ValueError(f"gradebook: {path or safe_url(url)} cannot be read ({type(err).__name__}: {first})") from None


def submitted_students(root: Path, assignment: str) -> list[str]:
    sub = root / "submitted"
    if not sub.is_dir():
        return []
    return sorted(p.name for p in sub.iterdir() if (p / assignment).is_dir())


def _why_ungraded(folder: Path) -> str:
    notebooks = list(folder.glob("*.ipynb"))
    if not notebooks:
        return "no notebook in the submission"
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids: readable, not our concern here
            nbformat.read(notebooks[0], as_version=4)
        return "grading failed (see the nbgrader log)"
    except Exception as err:  # noqa: BLE001 - any parse error means the same to the instructor
        return f"unreadable notebook ({type(err).__name__})"


def _executed(folder: Path) -> bool:
    """True if the autograded notebooks in ``folder`` were run (nbgrader writes each one twice: first
    sanitized, with no outputs, then executed; a grader stopped in between leaves the first)."""
    notebooks = list(folder.glob("*.ipynb"))
    for path in notebooks:
        try:
            cells = json.loads(path.read_text()).get("cells", [])
        except (OSError, ValueError, AttributeError):
            return False
        if not any(c.get("cell_type") == "code" and c.get("execution_count") for c in cells):
            return False
    return bool(notebooks)


def submission_timestamp(folder: Path):
    """The submission's time from its ``timestamp.txt`` (naive UTC, as the gradebook stores it), or
    None if it has none or an unreadable one."""
    from nbgrader.utils import parse_utc

    try:
        stamp = parse_utc((folder / "timestamp.txt").read_text().strip())
    except (OSError, ValueError, TypeError):
        return None
    return stamp.replace(tzinfo=None) if stamp is not None else None


def grades(assignment: str, *, root: str | Path | None = None) -> list[Grade]:
    """Autograded scores of every student who handed in ``assignment`` (failed ones score 0).

    A student is graded only if the last autograding of their submission finished (its autograded
    notebook is there and was executed: ``ovp-instructor autograde`` removes it before grading
    again) and the
    gradebook's entry is for the submission in ``submitted/`` (the same ``timestamp.txt``, when
    there is one); otherwise the status says why.

    Raises ``ValueError`` if the gradebook cannot be read, and nbgrader's ``MissingEntry`` if
    the assignment is not in it (never autograded)."""
    root = course_root(root)
    with open_gradebook(root) as gb:
        maximum = float(gb.find_assignment(assignment).max_code_score)
        found = {sub.student.id: (float(sub.code_score), sub.timestamp)
                 for sub in gb.assignment_submissions(assignment)}
    out = []
    for student in submitted_students(root, assignment):
        folder = root / "submitted" / student / assignment
        finished = _executed(root / "autograded" / student / assignment)
        if not (finished and student in found):
            out.append(Grade(student, 0.0, maximum, _why_ungraded(folder)))
            continue
        score, graded_at = found[student]
        stamp = submission_timestamp(folder)
        if stamp is not None and (graded_at is None or abs((graded_at - stamp).total_seconds()) > 1e-3):
            out.append(Grade(student, 0.0, maximum, f"the grade is for an earlier submission ({graded_at}); "
                                                    f"this one is from {stamp}: autograde again"))
        else:
            out.append(Grade(student, score, maximum, "graded"))
    return out
