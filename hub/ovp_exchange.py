"""nbgrader's exchange on the class server, made safe against students who hand-make submissions.

The hub's Jupyter configuration (jupyterhub_config.py) names these classes for nbgrader:

* students submit with :class:`PrivateSubmit`: nbgrader's own submit, but the submission folder ends mode
  755 instead of nbgrader's 777, so no one who learns its name can replace a notebook in it;
* instructors collect with :class:`CheckedCollect`. Before anything is chosen or copied, every inbound
  entry of the assignment is checked, and moved aside (renamed ``.quarantined+<name>+<random>`` in
  ``inbound/``, where no student can list it, and reported) if:
  the student it names is not on the class list (``CheckedCollect.students``; the gradebook's students
  if the list is empty); it is not a folder; it, or anything in it, is not owned by that student (a
  submission made with ``--student=OTHER``, or a file another student put in it); or it holds anything
  but folders and regular files (a symbolic link could make the instructor's collect copy the source
  notebook, hidden tests and all, into the student's submission).
  The files are then copied without following any link (each opened with ``O_NOFOLLOW`` and checked
  again on the open file, so a link swapped in after the check is refused too).

When a submission was made. The time in its name and its ``timestamp.txt`` are written by the student's
own process, so they can say anything (a year-2099 name beats a real resubmission; a backdated one is
never late). The latest status change (ctime) of the folder and of everything in it cannot be set by a
user: it is when the submission last changed. The claimed time is used only if it lies in the minute
before that (``CheckedCollect.tolerance``, for the copying that nbgrader submit does after stamping);
otherwise the ctime is, with a warning. The collected ``timestamp.txt``, which nbgrader's autograde reads
for lateness, holds the time used, and the latest submission is chosen by it. (A restored backup of the
exchange has new ctimes: its submissions would count as made at the restore.)
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import stat
from datetime import UTC, datetime

from nbgrader.api import Gradebook
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns, parse_utc
from traitlets import Float, List, Unicode

STAMP = "%Y-%m-%d %H:%M:%S.%f UTC"


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit; the submission folder is left mode 755 (nbgrader leaves it 777)."""

    def copy_files(self):
        super().copy_files()
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), 0o755)


class Refused(Exception):
    """Why a submission is not collected, in one line."""


def _walk(src_fd: int, uid: int, where: str, dest: str | None, ignore, seen: dict, top: str) -> None:
    """Check (and copy into ``dest`` if given) the folder ``src_fd`` (``where`` below ``top``): only folders
    and regular files, all owned by ``uid``, no link followed, at most ``seen["limit"]`` bytes in all.
    ``seen["ctime"]`` becomes the latest ctime seen; ``ignore`` (nbgrader's ignore_patterns) leaves out
    what nbgrader's own copy leaves out."""
    st = os.fstat(src_fd)
    if st.st_uid != uid:
        raise Refused(f"{where or '.'} is owned by {_name(st.st_uid)}")
    seen["ctime"] = max(seen["ctime"], st.st_ctime)
    names = sorted(os.listdir(src_fd))
    skipped = set(ignore(os.path.join(top, where), names)) if ignore is not None and dest is not None else set()
    for name in names:
        path = os.path.join(where, name)
        lst = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        if stat.S_ISLNK(lst.st_mode):
            raise Refused(f"{path} is a symbolic link")
        if stat.S_ISDIR(lst.st_mode):
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=src_fd)
            try:
                if name not in skipped and dest is not None:
                    os.mkdir(os.path.join(dest, name), 0o755)
                _walk(fd, uid, path, os.path.join(dest, name) if dest is not None and name not in skipped else None,
                      ignore, seen, top)
            finally:
                os.close(fd)
        elif stat.S_ISREG(lst.st_mode):
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src_fd)
            try:
                fst = os.fstat(fd)
                if not stat.S_ISREG(fst.st_mode) or fst.st_ino != lst.st_ino:
                    raise Refused(f"{path} changed while it was read")
                if fst.st_uid != uid:
                    raise Refused(f"{path} is owned by {_name(fst.st_uid)}")
                seen["ctime"] = max(seen["ctime"], fst.st_ctime)
                seen["bytes"] += fst.st_size
                if seen["limit"] is not None and seen["bytes"] > seen["limit"]:
                    raise Refused(f"it holds more than {seen['limit']} bytes (CourseDirectory.max_dir_size)")
                if dest is not None and name not in skipped:
                    with os.fdopen(os.dup(fd), "rb") as src, open(os.path.join(dest, name), "xb") as out:
                        shutil.copyfileobj(src, out)
            finally:
                os.close(fd)
        else:
            raise Refused(f"{path} is not a regular file or folder")


def _name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_submission(path: str, student: str, dest: str | None = None, ignore=None,
                     limit: int | None = None) -> float:
    """The latest ctime in the submission folder ``path`` of ``student`` (copied into the new folder
    ``dest`` if given); Refused if it is not theirs alone, holds anything but folders and files, or more
    than ``limit`` bytes."""
    try:
        uid = pwd.getpwnam(student).pw_uid
    except KeyError:
        raise Refused(f"{student} is not a user of this machine") from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as err:
        raise Refused(f"not a folder ({err.strerror})") from None
    seen = {"ctime": 0.0, "bytes": 0, "limit": limit}
    try:
        if dest is not None:
            os.mkdir(dest, 0o755)
        _walk(fd, uid, "", dest, ignore, seen, path)
    finally:
        os.close(fd)
    return seen["ctime"]


class CheckedCollect(ExchangeCollect):
    """nbgrader's collect, after the checks in this module's description."""

    students = List(Unicode(), help="The class list: only these students' submissions are collected "
                    "(empty: the students in the gradebook).").tag(config=True)
    tolerance = Float(60.0, help="Seconds a submission's claimed time may precede the latest change "
                      "of its files (ctime).").tag(config=True)

    def _class_list(self) -> set[str]:
        if self.students:
            return set(self.students)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            return {s.id for s in gb.students}

    def quarantine(self, filename: str, reason: str) -> None:
        new = f".quarantined+{filename}+{secrets.token_hex(4)}"
        os.rename(os.path.join(self.inbound_path, filename), os.path.join(self.inbound_path, new))
        self.log.warning("Quarantined %s (not collected): %s; it is now %s in %s", filename, reason, new,
                         self.inbound_path)

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.inbound_path = os.path.join(self.root, self.coursedir.course_id, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        allowed = self._class_list()
        self.times = {}
        suffix = f"+{self.coursedir.assignment_id}+"
        for filename in sorted(os.listdir(self.inbound_path)):
            if filename.startswith(".") or suffix not in filename:
                continue
            parts = filename.rsplit("+", 3)
            student = parts[0] if len(parts) >= 3 else ""
            if parts[1:2] != [self.coursedir.assignment_id]:
                continue
            if self.coursedir.student_id not in ("", "*") and student != self.coursedir.student_id:
                continue
            try:
                if student not in allowed:
                    raise Refused(f"{student!r} is not on the class list")
                ctime = check_submission(os.path.join(self.inbound_path, filename), student,
                                         limit=1000 * self.coursedir.max_dir_size)
                claimed = parse_utc(parts[2])
            except Refused as err:
                self.quarantine(filename, str(err))
                continue
            except (ValueError, OverflowError):
                self.quarantine(filename, "its name holds no time")
                continue
            changed = datetime.fromtimestamp(ctime, UTC).replace(tzinfo=None)
            if (changed - claimed).total_seconds() > self.tolerance or (claimed - changed).total_seconds() > 1:
                self.log.warning("%s claims %s but its files last changed at %s: the latter counts", filename,
                                 claimed.strftime(STAMP), changed.strftime(STAMP))
                claimed = changed
            self.times[filename] = claimed
        super().init_src()

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        if record["filename"] not in self.times:  # appeared after the checks: left for the next collect
            record["timestamp"] = datetime.min
            record["late_arrival"] = True
        else:
            record["timestamp"] = self.times[record["filename"]]
        return record

    def copy_files(self):
        self.src_records = [r for r in self.src_records if not r.get("late_arrival")]
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect", self.coursedir.assignment_id,
                             self.coursedir.course_id)
        ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                 max_file_size=self.coursedir.max_file_size, log=self.log)
        for rec in self.src_records:
            student, stamp = rec["username"], rec["timestamp"]
            src = os.path.join(self.inbound_path, rec["filename"])
            dest = self.coursedir.format_path(self.coursedir.submitted_directory, student,
                                              self.coursedir.assignment_id)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            if os.path.isdir(dest):
                existing = self.coursedir.get_existing_timestamp(dest)
                newer = existing is None or stamp > existing
                if not ((self.update and newer) or (self.before_duedate and existing != stamp)):
                    self.log.info("Submission already exists%s: %s %s",
                                  "" if self.update else ", use --update to update", student,
                                  self.coursedir.assignment_id)
                    continue
            staging = f"{dest}.incoming-{secrets.token_hex(4)}"
            try:
                check_submission(src, student, staging, ignore, limit=1000 * self.coursedir.max_dir_size)
            except Refused as err:
                shutil.rmtree(staging, ignore_errors=True)
                self.quarantine(rec["filename"], str(err))
                continue
            with open(os.path.join(staging, "timestamp.txt"), "w") as fh:
                fh.write(stamp.strftime(STAMP))
            if os.path.isdir(dest):
                self.log.info("Updating submission: %s %s", student, self.coursedir.assignment_id)
                shutil.rmtree(dest)
            else:
                self.log.info("Collecting submission: %s %s", student, self.coursedir.assignment_id)
            os.rename(staging, dest)


__all__ = ["CheckedCollect", "PrivateSubmit", "check_submission"]
