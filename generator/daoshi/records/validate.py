"""Validate a records repository: every file against its form, then the rules across files.

``validate()`` reports every problem in one run and never raises on bad records;
``load()`` is the library's door for later layers and raises ``ProjectError`` instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from daoshi.cache import Cache, _dump, _load, cache_dir, code_version
from daoshi.errors import Problem, ProjectError
from daoshi.messages import is_fact, language
from daoshi.records.check import Checked
from daoshi.records.filecheck import check_file, read_and_check, read_raw
from daoshi.records.formfiles import load_forms
from daoshi.records.forms import Forms
from daoshi.records.layout import RECORD, Entry, classify, discover
from daoshi.records.model import School
from daoshi.records.rules import SEMESTER_FILES, CrossChecker

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Summary:
    """What was checked: file counts by role and by record kind."""

    files: int
    roles: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    teachers: int = 0
    students: int = 0
    semesters: int = 0
    cached: bool = False


@dataclass(frozen=True)
class Result:
    """Problems (sorted) and summary of one validation; ``school`` when it could be built.

    ``problems`` are the errors (a file that cannot be used); ``notes`` the facts shown
    and flagged (a record outside its semester, a mentor over the cap, a student without a
    mentor): never a reason to refuse the school (``daoshi.messages.is_fact``).
    """

    problems: list[Problem]
    summary: Summary
    school: School | None = None
    notes: list[Problem] = field(default_factory=list)


def _result(found: list[Problem], summary: Summary, school: School | None = None) -> Result:
    """Errors and notes apart, each sorted."""
    return Result(
        [p for p in found if not is_fact(p)], summary, school, [p for p in found if is_fact(p)]
    )


def school_today(root: Path) -> dt.date:
    """Today in the school's time zone (Asia/Shanghai unless school.yaml says otherwise);
    a demo school's ``as_of`` date when school.yaml has one."""
    tz = DEFAULT_TIMEZONE
    as_of = ""
    try:
        for line in (root / "school.yaml").read_text("utf-8-sig").splitlines():
            if line.startswith("timezone:"):
                tz = line.split(":", 1)[1].strip().strip("'\"") or tz
            elif line.startswith("as_of:"):  # a demo school, frozen on its day
                as_of = line.split(":", 1)[1].split("#")[0].strip().strip("'\"")
        zone = ZoneInfo(tz)
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    try:
        return dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(zone).date()
    except ValueError:  # a malformed as_of is reported by the form check (R1xx)
        return dt.datetime.now(zone).date()


def _digests(
    root: Path, entries: list[Entry], cache: Cache
) -> tuple[dict[str, str], dict[str, bytes | None]]:
    """Content hash of every file; files not known to the cache are read (and kept)."""
    digests: dict[str, str] = {}
    fresh: dict[str, bytes | None] = {}
    top = str(root)
    for entry in entries:
        digest = cache.known_digest(entry.path, entry.size, entry.mtime_ns)
        if digest is None:
            try:
                raw: bytes | None = None
                if entry.size <= 4 << 20:
                    with open(f"{top}/{entry.path}", "rb") as fh:
                        raw = fh.read()
            except OSError:
                raw = None
            fresh[entry.path] = raw
            digest = (
                hashlib.sha1(raw).hexdigest()
                if raw is not None
                else f"unread:{entry.size}:{entry.mtime_ns}"
            )
        digests[entry.path] = digest
        cache.remember(entry.path, entry.size, entry.mtime_ns, digest)
    return digests, fresh


def _summary(
    entries: list[Entry], checked: list[Checked], school: School | None, cached: bool = False
) -> Summary:
    return Summary(
        files=len(entries),
        roles=dict(Counter(e.role for e in entries)),
        kinds=dict(Counter(c.kind for c in checked if c.role == RECORD and c.kind)),
        teachers=len(school.teachers) if school else 0,
        students=len(school.students) if school else 0,
        semesters=len(school.semesters) if school else 0,
        cached=cached,
    )


def validate(
    root: Path,
    *,
    today: dt.date | None = None,
    use_cache: bool = True,
    forms: Forms | None = None,
    progress: Callable[[str], None] | None = None,
    need_school: bool = False,
) -> Result:
    """Check every file of the records repository at ``root``; never raises on bad records.

    Raises ``ProjectError`` only when the forms themselves are broken.
    """
    forms = forms or load_forms(root)
    today = today or school_today(root)
    cache = Cache(root, f"{code_version()}:{forms.digest}:{language()}", enabled=use_cache)
    entries, problems, scan = discover(root, forms.files, cache.index.listings, cache.racy_ns)
    cache.new_listings = scan.listings
    digests, fresh = _digests(root, entries, cache)
    tree = hashlib.sha256(f"{today}".encode())
    for entry in entries:
        tree.update(f"\0{entry.path}\0{entry.role}\0{digests[entry.path]}".encode())
    for found in problems:  # files outside the layout are part of the answer too
        tree.update(f"\0{found.format()}".encode())
    tree_key = tree.hexdigest()
    if not need_school and cache.index.result_key == tree_key and cache.index.result is not None:
        cached_problems, summary = cache.index.result
        if fresh or scan.listings != cache.index.listings:  # settle "racy" files and folders
            cache.save(tree_key, cache.index.result, None)
        return _result(cached_problems, Summary(**{**summary.__dict__, "cached": True}))
    if progress:
        progress(f"检查 {len(entries)} 个文件（{len(fresh)} 个有变化）…")
    stored = cache.files()
    checked: list[Checked] = []
    new_files: dict[str, Checked] = {}
    for entry in entries:
        key = f"{entry.path}\0{digests[entry.path]}"
        result = stored.get(key)
        if result is None:
            raw = fresh.get(entry.path)
            if raw is None:
                _, result = read_and_check(str(root), entry.path, entry.role, entry.size, forms)
            else:
                result = check_file(entry.path, entry.role, raw, forms)
        new_files[key] = result
        checked.append(result)
    crosser = CrossChecker(checked, forms, today)
    school = crosser.run(e.path for e in entries)
    for c in checked:
        problems.extend(c.problems)
    problems.extend(crosser.problems)
    problems.sort()
    summary = _summary(entries, checked, school)
    changed = bool(fresh) or len(new_files) != len(stored)
    cache.save(tree_key, (problems, summary), new_files if changed else None)
    return _result(problems, summary, school)


def credited(result: Result) -> School | None:
    """The school without the records validation rejects: what engines that credit records
    (obligations in ``daoshi review``) may count when a repository still has errors."""
    if result.school is None:
        return None
    bad = {p.location.path for p in result.problems}
    kept = tuple(r for r in result.school.records if r.path not in bad)
    return dataclasses.replace(result.school, records=kept)


def load(root: Path | str, *, today: dt.date | None = None, use_cache: bool = True) -> School:
    """Load and validate a records repository into the model; raise ``ProjectError`` on problems."""
    result = validate(Path(root), today=today, use_cache=use_cache, need_school=True)
    if result.problems or result.school is None:
        raise ProjectError(result.problems)
    return result.school


def data_files(root: Path, forms: Forms) -> list[str]:
    """The data files (people, semesters, pairings …) by their forms' path globs, without
    walking the journal: what records are checked against."""
    found: set[str] = set()
    for form in forms.files.values():
        found.update(p.relative_to(root).as_posix() for p in root.glob(form.path) if p.is_file())
    return sorted(found)


def checked_data_files(root: Path, forms: Forms, use_cache: bool = True) -> list[Checked]:
    """The repository's data files, each checked on its own; the results are kept in the
    cache by content, so a push or an update that leaves the data files alone does not
    parse them again (at a full school, seconds of a teacher's push)."""
    store = cache_dir(root) / "data-files.pickle"
    salt = f"{code_version()}:{forms.digest}:{language()}"
    loaded = _load(store) if use_cache else None
    valid = isinstance(loaded, dict) and loaded.get("salt") == salt
    known: dict[str, Checked] = loaded["files"] if valid and loaded is not None else {}
    found: dict[str, Checked] = {}
    for path in data_files(root, forms):
        role = classify(path, forms.files)
        assert role is not None
        raw = read_raw(str(root), path, role, (root / path).stat().st_size)
        if isinstance(raw, Checked):
            found[f"{path}\0"] = raw
            continue
        key = f"{path}\0{hashlib.sha256(raw).hexdigest()}"
        found[key] = known.get(key) or check_file(path, role, raw, forms)
    if use_cache and found.keys() != known.keys():
        _dump(store, {"salt": salt, "files": found})
    return list(found.values())


@dataclass
class Prepared:
    """The data files checked and their cross-file rules run, as of ``today``: what
    ``check_records`` checks records against (pass it back to save doing it again)."""

    files: list[Checked]
    today: dt.date
    crosser: CrossChecker


def prepare_data(
    root: Path,
    forms: Forms,
    today: dt.date,
    use_cache: bool = True,
    files: list[Checked] | None = None,
) -> Prepared:
    """Check the data files (or take ``files``, checked already) and run their rules."""
    files = checked_data_files(root, forms, use_cache) if files is None else files
    crosser = CrossChecker(files, forms, today)
    crosser.load_data({c.path for c in files})
    return Prepared(files, today, crosser)


def check_records(
    root: Path,
    records: list[str],
    forms: Forms,
    today: dt.date,
    others: Prepared | None = None,
    use_cache: bool = True,
) -> tuple[list[Problem], School | None, Prepared]:
    """Check some record files against the repository's data files, not reading the other
    records: for when only these records changed since a state known to be valid (the
    incremental build, the pre-receive hook).

    Returns the problems located in these records (and X216 for a semester folder they are
    in that has no semester or pairing file), the school of the data files plus these
    records, and the prepared data files (pass them back as ``others`` to save checking
    them and running their rules again; a new day runs the rules again).
    """
    if others is None or others.today != today:
        others = prepare_data(root, forms, today, use_cache, others.files if others else None)
    present = [p for p in records if (root / p).is_file()]
    checked = [
        read_and_check(str(root), p, RECORD, (root / p).stat().st_size, forms)[1] for p in present
    ]
    crosser = others.crosser.with_records(checked)
    school = crosser.finish()
    # the records' own problems, and a missing semester file of a folder they are in
    folders = {p.split("/")[1] for p in present if p.startswith("semesters/")}
    missing = {f"semesters/{f}/{n}" for f in folders for n in SEMESTER_FILES}
    mine = set(present)
    problems = [p for c in checked for p in c.problems]
    problems += [
        p
        for p in crosser.problems
        if p.location.path in mine or (p.code == "X216" and p.location.path in missing)
    ]
    return sorted(p for p in problems if not is_fact(p)), school, others
