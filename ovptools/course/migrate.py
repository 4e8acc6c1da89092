"""Moving the gradebook from SQLite into PostgreSQL, which many grading processes (and a JupyterHub's
instructors) can write to: ``ovp-instructor migrate-gradebook`` calls :func:`migrate_gradebook`."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .gradebook import check_gradebook_url, course_id, gradebook_url, safe_url
from .paths import course_root


@contextmanager
def alembic_on_path() -> Iterator[None]:
    """Put this interpreter's ``bin/`` first on PATH while nbgrader creates a gradebook: it runs
    the ``alembic`` command to stamp the schema's version."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old
    try:
        yield
    finally:
        os.environ["PATH"] = old


def table_counts(url: str) -> dict[str, int]:
    """The number of rows of every nbgrader table in the database at ``url``."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine, func, select

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def migrate_gradebook(to_url: str, *, root: str | Path | None = None, from_url: str | None = None) -> dict[str, int]:
    """Copy every row of the course's gradebook (``from_url``, default: the one ``nbgrader_config.py``
    names, normally ``gradebook.db``) into the empty database at ``to_url`` (``postgresql://…``).

    nbgrader creates its schema there first (tables and the alembic version stamp); then each table
    is copied in dependency order, in one transaction, and the row counts of every table are compared.
    The source is left as it was. Returns {table: rows}. Raises ``ValueError`` naming the argument
    when the source cannot be read, or when the target cannot be reached or already holds grades.
    """
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, delete, select
    from sqlalchemy.exc import SQLAlchemyError

    root = course_root(root)
    source = from_url or gradebook_url(root)
    if not isinstance(to_url, str) or "://" not in to_url:
        raise ValueError(f"to: expected a database URL such as postgresql://user:password@host:5432/gradebook, "
                         f"got {to_url!r}")
    if to_url == source:
        raise ValueError(f"to: {safe_url(to_url)} is the gradebook being moved; name another database")
    check_gradebook_url(source)
    try:
        with alembic_on_path(), Gradebook(to_url, course_id(root)):  # nbgrader's own schema and version stamp
            pass
        before = table_counts(to_url)
    except (SQLAlchemyError, ImportError) as err:
        first = str(err).splitlines()[0]
        raise ValueError(f"to: {safe_url(to_url)} cannot be used ({type(err).__name__}: {first})") from None
    if any(n for name, n in before.items() if name != "course"):
        raise ValueError(f"to: {safe_url(to_url)} already holds a gradebook ({before}); "
                         "migrate into an empty database")
    tables = Base.metadata.sorted_tables
    src, dst = create_engine(source), create_engine(to_url)
    try:
        with src.connect() as read, dst.begin() as write:
            for table in reversed(tables):  # the course row nbgrader just made is replaced by the source's
                write.execute(delete(table))
            for table in tables:
                rows = [dict(r._mapping) for r in read.execute(select(table))]
                if rows:
                    write.execute(table.insert(), rows)
    finally:
        src.dispose()
        dst.dispose()
    moved, expected = table_counts(to_url), table_counts(source)
    if moved != expected:
        raise RuntimeError(f"migration to {safe_url(to_url)} lost rows: source {expected}, target {moved}")
    return moved
