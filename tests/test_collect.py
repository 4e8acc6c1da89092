"""`ovp-instructor collect` never loses or misattributes a submission: a source inside the course
root, two entries for one student, a choice among several notebooks, a resubmission, a link."""

from __future__ import annotations

import json

import pytest
from nbgrader_helpers import scratch_course

from ovptools.course import instructor

A = "ps0_warmup"


@pytest.fixture
def course(tmp_path):
    root = scratch_course(tmp_path, only=(A,))
    source = (root / "source" / A / f"{A}.ipynb").read_text()
    return root, source


def _mine(source: str, note: str) -> str:
    nb = json.loads(source)
    nb["cells"].append({"cell_type": "markdown", "id": "note", "metadata": {}, "source": note})
    return json.dumps(nb)


def _submitted(root, student):
    return (root / "submitted" / student / A / f"{A}.ipynb").read_text()


def test_a_source_inside_the_course_root_is_refused_and_nothing_is_lost(course):
    root, source = course
    (root / "submitted" / "ada" / A).mkdir(parents=True)
    (root / "submitted" / "ada" / A / f"{A}.ipynb").write_text(_mine(source, "ada's work"))
    for inside in (root / "submitted", root / "inbox", root / "submitted" / "ada"):
        inside.mkdir(exist_ok=True)
        with pytest.raises(ValueError, match="inside the course root"):
            instructor.collect(A, inside, root=root)
    assert "ada's work" in _submitted(root, "ada")


def test_two_entries_for_one_student_are_refused_before_anything_is_copied(course, tmp_path):
    root, source = course
    inbox = tmp_path / "inbox"
    (inbox / "bob").mkdir(parents=True)
    (inbox / "ada.ipynb").write_text(source)
    (inbox / "bob.ipynb").write_text(_mine(source, "one"))
    (inbox / "bob" / f"{A}.ipynb").write_text(_mine(source, "two"))
    with pytest.raises(ValueError, match="'bob'.*'bob.ipynb'.*both 'bob'|'bob.ipynb' and 'bob' are both 'bob'"):
        instructor.collect(A, inbox, root=root)
    assert not (root / "submitted" / "ada").exists()


def test_the_assignment_notebook_is_preferred_and_a_choice_is_reported(course, tmp_path):
    root, source = course
    inbox = tmp_path / "inbox"
    (inbox / "ada").mkdir(parents=True)
    (inbox / "ada" / f"Copy of {A}.ipynb").write_text(_mine(source, "an old copy"))
    (inbox / "ada" / f"{A}.ipynb").write_text(_mine(source, "the real one"))
    (inbox / "bob").mkdir()
    (inbox / "bob" / "scratch.ipynb").write_text(_mine(source, "bob's scratch"))
    (inbox / "bob" / f"Copy of {A}.ipynb").write_text(_mine(source, "bob's copy"))
    (inbox / "cy").mkdir()
    (inbox / "cy" / "mine.ipynb").write_text(_mine(source, "cy's only notebook"))
    said = []
    assert instructor.collect(A, inbox, root=root, log=said.append) == ["ada", "bob", "cy"]
    assert "the real one" in _submitted(root, "ada")
    assert "bob's scratch" in _submitted(root, "bob")  # not the "Copy of"
    assert "cy's only notebook" in _submitted(root, "cy")
    assert any(line.startswith("ada: 2 notebooks") and f"took {A}.ipynb" in line for line in said), said
    assert any(line.startswith("bob: 2 notebooks and none named") and "scratch.ipynb" in line for line in said), said
    assert not any(line.startswith("cy") for line in said)


def test_a_replaced_submission_is_backed_up(course, tmp_path):
    root, source = course
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ada.ipynb").write_text(_mine(source, "first"))
    said = []
    instructor.collect(A, inbox, root=root, log=said.append)
    instructor.collect(A, inbox, root=root, log=said.append)  # the same again: nothing to keep
    assert said == [] and not (root / "backups").exists()
    (inbox / "ada.ipynb").write_text(_mine(source, "second"))
    instructor.collect(A, inbox, root=root, log=said.append)
    assert "second" in _submitted(root, "ada")
    backups = list((root / "backups" / "submitted" / "ada").glob(f"{A}.backup-*"))
    assert len(backups) == 1 and "first" in (backups[0] / f"{A}.ipynb").read_text()
    assert len(said) == 1 and str(backups[0]) in said[0]
    assert not list((root / "submitted").glob(".collect-*"))  # the staging folder is gone


def test_links_are_never_followed(course, tmp_path):
    root, source = course
    inbox = tmp_path / "inbox"
    (inbox / "eve").mkdir(parents=True)
    (inbox / "eve" / f"{A}.ipynb").symlink_to(root / "source" / A / f"{A}.ipynb")
    (inbox / "mal.ipynb").symlink_to(root / "source" / A / f"{A}.ipynb")
    said = []
    assert instructor.collect(A, inbox, root=root, log=said.append) == ["eve"]
    assert not (root / "submitted" / "eve" / A / f"{A}.ipynb").exists()  # reported as no notebook
    assert any("mal.ipynb" in line and "symbolic link" in line for line in said)
