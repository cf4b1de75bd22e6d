"""No leaks: sentinels in every sensitive field, every audience built, every output byte scanned.

Each free-text field above the ``staff`` level in the demo school (record fields, help-plan
stages, bodies, students' profile fields, screening notes) gets a unique sentinel. Then
``daoshi build --all-audiences`` runs and every file of every audience is read — gzip
decompressed, HTML and JSON unescaped, case-folded (the search index lowercases) — and
the sentinels found are compared with what the access matrix *as documented in the README*
allows that audience. The expectation is computed here, independently of
``generator/access.py``, from the README table and the plain data.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from daoshi.records.formfiles import load_forms
from daoshi.records.forms import FieldForm
from daoshi.site.build import build_all_audiences, build_site

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)
SENTINEL = re.compile(r"zqx(\d{5})q")
TEXT_TYPES = ("string", "text")


@dataclass(frozen=True)
class Planted:
    """Where a sentinel was planted: the thing it stands for and its sensitivity."""

    where: str
    level: str
    kind: str  # a record kind, or "*" for profile and screening fields
    students: tuple[str, ...]
    author: str | None = None


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    return y


class Planter:
    def __init__(self) -> None:
        self.planted: dict[int, Planted] = {}

    def next(self, planted: Planted) -> str:
        n = len(self.planted) + 1
        self.planted[n] = planted
        return f"ZQX{n:05d}Q"


def _text_field(f: FieldForm) -> bool:
    return f.type in TEXT_TYPES and not f.pattern and not f.values


def plant(
    records: Path, planter: Planter | None = None, only: list[Path] | None = None
) -> dict[int, Planted]:
    """Put a unique sentinel in every sensitive free-text field of the records at ``records``
    (of the record files ``only``, numbering on from ``planter``, when given)."""
    forms = load_forms(records)
    staff = forms.levels[0].id
    rank = {lv.id: i for i, lv in enumerate(forms.levels)}
    planter = planter or Planter()
    y = _yaml()
    paths = only if only is not None else sorted(records.glob("semesters/*/journal/*/*/*.md"))
    for path in paths:
        text = path.read_text("utf-8")
        _, front, body = text.split("---\n", 2)
        data = y.load(front)
        kind = forms.kinds[data["kind"]]
        # a teacher's own record (training, in self/) is about no student
        students = tuple(data.get("participants") or data.get("student", "").split())
        where = path.relative_to(records).as_posix()
        for name, f in kind.fields.items():
            if _text_field(f) and f.sensitivity != staff:
                data[name] = planter.next(
                    Planted(f"{where}#{name}", f.sensitivity, kind.kind, students)
                )
            elif f.type == "list" and f.items is not None and f.items.fields and name in data:
                for item in data[name]:
                    for sub, sf in f.items.fields.items():
                        level = max(f.sensitivity, sf.sensitivity, key=rank.__getitem__)
                        if _text_field(sf) and level != staff:
                            item[sub] = planter.next(
                                Planted(f"{where}#{name}.{sub}", level, kind.kind, students)
                            )
        if kind.body.sensitivity != staff:
            sentinel = planter.next(
                Planted(f"{where}#正文", kind.body.sensitivity, kind.kind, students)
            )
            body = f"{body.rstrip()}\n\n正文哨兵 {sentinel}\n"
        with path.open("w", encoding="utf-8") as out:
            out.write("---\n")
            y.dump(data, out)
            out.write("---\n" + body)
    if only is not None:
        return planter.planted
    student_form = forms.files["cohort"].fields["students"].items
    assert student_form is not None
    for path in sorted(records.glob("people/cohorts/*.yaml")):
        data = y.load(path.read_text("utf-8"))
        for s in data["students"]:
            for name, f in student_form.fields.items():
                if _text_field(f) and f.sensitivity != staff and name != "name":
                    s[name] = planter.next(
                        Planted(f"{s['id']}#{name}", f.sensitivity, "*", (s["id"],))
                    )
        with path.open("w", encoding="utf-8") as out:
            y.dump(data, out)
    screening_form = forms.files["screening"].fields["students"].items
    assert screening_form is not None
    note_level = screening_form.fields["note"].sensitivity
    for path in sorted(records.glob("semesters/*/screening.yaml")):
        data = y.load(path.read_text("utf-8"))
        for entry in data["students"]:
            entry["note"] = planter.next(
                Planted(f"screening#{entry['student']}", note_level, "*", (entry["student"],))
            )
        with path.open("w", encoding="utf-8") as out:
            y.dump(data, out)
    return planter.planted


def readme_matrix() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The access matrix as the README documents it: role → scope, role → kind → level.

    A scope that keeps no students who have left the school ends in ``-current``."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("<!-- access-matrix -->")[1].split("<!-- /access-matrix -->")[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    kinds = [h.split("`")[1] for h in header[3:]]
    scopes: dict[str, str] = {}
    levels: dict[str, dict[str, str]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        role = cells[0].split("`")[1]
        scopes[role] = cells[1].split("`")[1] + ("-current" if "不含离校学生" in cells[1] else "")
        levels[role] = {k: c.split("`")[1] for k, c in zip(kinds, cells[3:], strict=True)}
    return scopes, levels


def expected(
    records: Path,
    planted: dict[int, Planted],
    roles: list[str],
    teacher: str | None,
    grants: list[dict[str, object]] = (),  # type: ignore[assignment]
) -> set[int]:
    """The sentinels an audience with these roles may see, from the README and plain data;
    ``grants`` as written in an ``access.yaml`` (they raise the level of records the
    audience already sees, in their semesters)."""
    y = _yaml()
    forms = load_forms(records)
    rank = {lv.id: i for i, lv in enumerate(forms.levels)} | {"none": -1}
    scopes, matrix = readme_matrix()
    students: dict[str, tuple[int, str]] = {}  # id → (cohort, class)
    left: set[str] = set()
    for path in records.glob("people/cohorts/*.yaml"):
        data = y.load(path.read_text("utf-8"))
        for s in data["students"]:
            students[s["id"]] = (int(data["cohort"]), s["class"])
            if s.get("left"):
                left.add(s["id"])
    semesters = [y.load(p.read_text("utf-8")) for p in records.glob("semesters/*/semester.yaml")]
    pairings = [y.load(p.read_text("utf-8")) for p in records.glob("semesters/*/pairings.yaml")]
    screening = [y.load(p.read_text("utf-8")) for p in records.glob("semesters/*/screening.yaml")]
    written = {
        sid
        for p in records.glob(f"semesters/*/journal/{teacher}/*/*.md")
        for sid in (
            ([p.parent.name] if p.parent.name != "self" else [])
            if p.parent.name != "group"
            else _yaml().load(p.read_text("utf-8").split("---\n")[1])["participants"]
        )
    }
    crisis = {p.parent.name for p in records.glob("semesters/*/journal/*/*/*-crisis-report*.md")}

    def in_scope(role: str, sid: str) -> bool:
        scope = scopes[role]
        if scope.endswith("-current"):  # former class teachers do not keep graduates
            if sid in left:
                return False
            scope = scope.removesuffix("-current")
        cohort, klass = students[sid]
        if scope == "school":
            return True
        if scope == "grade":
            return any(
                g["teacher"] == teacher and g["cohort"] == cohort
                for s in semesters
                for g in s.get("grade_leaders", [])
            )
        if scope == "class":
            return any(
                c["class_teacher"] == teacher and c["class"] == klass
                for s in semesters
                for c in s["classes"]
            )
        if scope == "mentees":
            return sid in written or any(
                p["mentor"] == teacher and sid in p["students"]
                for f in pairings
                for p in f["pairings"]
            )
        if scope == "referred":
            return sid in crisis or any(
                e["student"] == sid and "emotional" in e["categories"]
                for f in screening
                for e in f["students"]
            )
        return False

    allowed = set()
    for n, p in planted.items():
        best = -1
        for role in roles:
            row = matrix[role]
            # a teacher's own record: the school-wide roles and its author see it
            own = not p.students and p.where.startswith("semesters/")
            author = p.where.split("/")[3] if own else None
            if any(in_scope(role, sid) for sid in p.students) or (
                own and (scopes[role] == "school" or author == teacher)
            ):
                best = max(
                    best, rank[row.get(p.kind, row["*"])] if p.kind != "*" else rank[row["*"]]
                )
        semester = p.where.split("/")[1] if p.where.startswith("semesters/") else ""
        for g in grants:
            listed = g.get("semesters") or []
            if (
                best > -1
                and p.kind != "*"
                and g["teacher"] == teacher
                and (
                    not listed or semester in listed  # type: ignore[operator]
                )
            ):
                best = max(best, rank[str(g["level"])])
        if best >= rank[p.level]:
            allowed.add(n)
    return allowed


def found_in(site: Path) -> dict[int, list[str]]:
    """Every sentinel anywhere in the build: contents (gunzipped, unescaped) and file names."""
    found: dict[int, list[str]] = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        texts = [rel]
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            text = data.decode("utf-8", errors="replace")
            texts += [text, html.unescape(text)]
            if path.suffix == ".json":
                texts.append(json.dumps(json.loads(text), ensure_ascii=False))
        for text in texts:
            for m in SENTINEL.finditer(text.lower()):
                found.setdefault(int(m.group(1)), []).append(rel)
    return found


CRISIS = "semesters/*/journal/*/*/*-crisis-report*.md"


@pytest.fixture(scope="module")
def planted_school(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Planted]]:
    """The demo school as a git repository whose second commit plants the sentinels, so
    the history and review pages (field-by-field diffs) are scanned too. The crisis reports
    come last, in a third commit: ``before_crisis`` is the same school without them."""
    base = tmp_path_factory.mktemp("privacy")
    records = base / "records"
    shutil.copytree(ROOT / "records", records)
    aside = base / "crisis-reports"
    crisis = sorted(records.glob(CRISIS))
    assert crisis
    for path in crisis:
        (aside / path.relative_to(records)).parent.mkdir(parents=True, exist_ok=True)
        path.rename(aside / path.relative_to(records))
    git = [
        "git",
        "-C",
        str(records),
        "-c",
        "user.name=夏国波",
        "-c",
        "user.email=t001@demo-school.invalid",
    ]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "演示学校"], check=True)
    planter = Planter()
    plant(records, planter)
    subprocess.run([*git, "commit", "-qam", "补充记录"], check=True)
    subprocess.run([*git, "tag", "before-crisis"], check=True)
    for path in crisis:
        (aside / path.relative_to(records)).rename(path)
    plant(records, planter, crisis)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "危机上报"], check=True)
    return records, planter.planted


@pytest.fixture(scope="module")
def all_sites(
    planted_school: tuple[Path, dict[int, Planted]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    records, _ = planted_school
    out = tmp_path_factory.mktemp("sites")
    index = build_all_audiences(records, out, TODAY)
    return out, index


def crisis_visible(records: Path, roles: list[str], teacher: str | None) -> bool:
    """Whether the README's matrix lets an audience see any crisis report exist at all:
    its existence is a ``staff``-level fact about the report's students."""
    y = _yaml()
    reports = {
        n: Planted(
            path.as_posix(),
            "staff",
            "crisis-report",
            (y.load(path.read_text("utf-8").split("---\n")[1])["student"],),
        )
        for n, path in enumerate(sorted(records.glob(CRISIS)))
    }
    return bool(expected(records, reports, roles, teacher))


def site_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def existence_leaks(without: Path, with_: Path) -> list[str]:
    """What differs between an audience's site built without the crisis reports and with
    them: a page, a count, a date, a badge, a link, a search entry — any byte, any file."""
    a, b = site_bytes(without), site_bytes(with_)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


@pytest.fixture(scope="module")
def sites_before_crisis(
    planted_school: tuple[Path, dict[int, Planted]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every audience built from the same repository one commit earlier: no crisis report."""
    records, _ = planted_school
    before = tmp_path_factory.mktemp("before") / "records"
    subprocess.run(
        ["git", "clone", "-q", "--branch", "before-crisis", str(records), str(before)],
        check=True,
        capture_output=True,
    )
    out = tmp_path_factory.mktemp("sites-before")
    build_all_audiences(before, out, TODAY)
    return out


def test_sentinels_were_planted_in_every_kind_of_place(planted_school) -> None:
    _, planted = planted_school
    levels = {p.level for p in planted.values()}
    assert {"mentor_team", "confidential", "crisis"} <= levels
    places = {p.where.split("#")[1].split(".")[0] for p in planted.values()}
    assert {"正文", "family", "health", "follow_up", "stages"} <= places | {"stages"}
    assert any(p.where.startswith("screening#") for p in planted.values())
    assert len(planted) > 1000


def test_no_audience_sees_a_sentinel_it_may_not(planted_school, all_sites) -> None:
    records, planted = planted_school
    out, index = all_sites
    assert len(index["audiences"]) >= 10
    for folder, audience in index["audiences"].items():
        found = found_in(out / folder)
        allowed = expected(records, planted, audience["roles"], audience["teacher"])
        leaks = {planted[n].where: files[:3] for n, files in found.items() if n not in allowed}
        assert not leaks, f"{folder} ({audience['label']}) sees what it may not: {leaks}"
        missing = allowed - set(found)
        # nothing is over-redacted either: what the matrix allows reaches the audience
        assert not missing, f"{folder} misses {[planted[n].where for n in sorted(missing)[:5]]}"


def test_the_leader_sees_everything_and_a_mentor_only_their_own(planted_school, all_sites) -> None:
    _, planted = planted_school
    out, index = all_sites
    assert set(found_in(out / "leader")) == set(planted)
    # the history pages and the review show the planted values as changes
    histories = list((out / "leader" / "students").glob("*/history/index.html"))
    assert histories and any(SENTINEL.search(h.read_text("utf-8").lower()) for h in histories)
    assert list((out / "leader" / "review").glob("*/index.html"))
    mentors = [a for a, v in index["audiences"].items() if v["roles"] == ["mentor"]]
    assert mentors
    for folder in mentors:
        seen = set(found_in(out / folder))
        assert seen, folder  # their own mentees' talks, at least
        assert len(seen) < len(planted) / 4


def test_a_deliberate_leak_fails_the_scan(planted_school, tmp_path: Path) -> None:
    """A school overlay that declares talk bodies 'staff' leaks them to a grade leader."""
    records, planted = planted_school
    leaky = tmp_path / "records"
    shutil.copytree(records, leaky)
    talk = (ROOT / "forms/kinds/talk.yaml").read_text("utf-8")
    body = talk.split("\nbody:\n", 1)[1]
    leaked = talk.replace(body, body.replace("sensitivity: confidential", "sensitivity: staff"))
    assert leaked != talk
    (leaky / "forms/kinds").mkdir(parents=True)
    (leaky / "forms/kinds/talk.yaml").write_text(leaked, "utf-8")
    site = build_site(leaky, tmp_path / "site", TODAY, audience="T007")
    allowed = expected(records, planted, ["grade_leader", "mentor"], "T007")
    leaks = [planted[n].where for n in found_in(site) if n not in allowed]
    assert leaks
    assert all(w.endswith("#正文") and "-talk" in w for w in leaks)


def test_the_readme_table_is_the_access_matrix() -> None:
    from daoshi.access import matrix_markdown

    text = (ROOT / "README.md").read_text("utf-8")
    documented = text.split("<!-- access-matrix -->\n")[1].split("<!-- /access-matrix -->")[0]
    assert documented == matrix_markdown(load_forms())


def test_daoshi_serve_gives_each_login_only_its_audience(all_sites, tmp_path: Path) -> None:
    """The real --all-audiences build behind the real server: a mentor signs in, reads a
    mentee's portfolio, and gets 404 for every page only the leaders' build has."""
    from daoshi.serve.users import add_user
    from tests.test_server import login, start

    out, index = all_sites
    mentor = next(a for a, v in index["audiences"].items() if v["roles"] == ["mentor"])
    users = tmp_path / "users.yaml"
    add_user(users, "mentor", "一个足够长的密码", mentor, None)
    add_user(users, "head", "另一个足够长的密码", "T001", None)
    mine = {p.parent.name for p in (out / mentor / "students").glob("*/index.html")}
    theirs = {p.parent.name for p in (out / "leader" / "students").glob("*/index.html")} - mine
    assert mine and theirs
    running = start(out, users)
    try:
        with running.client() as client:
            assert login(client, "mentor", "一个足够长的密码").status_code == 303
            assert index["audiences"][mentor]["label"] in client.get("/").text
            assert client.get(f"/students/{sorted(mine)[0]}/").status_code == 200
            for sid in sorted(theirs)[:20]:
                assert client.get(f"/students/{sid}/").status_code == 404, sid
            assert client.get("/school/").status_code == 404
            assert client.get("/leader/school/").status_code == 404
            assert client.get("/audiences.json").status_code == 404
        with running.client() as client:
            assert login(client, "head", "另一个足够长的密码").status_code == 303
            assert client.get("/school/").status_code == 200
            assert client.get(f"/students/{sorted(theirs)[0]}/").status_code == 200
    finally:
        running.stop()


def test_an_audience_whose_cell_is_none_cannot_tell_a_crisis_report_exists(
    planted_school, all_sites, sites_before_crisis
) -> None:
    """The same school one commit earlier, without the crisis reports: for every audience
    the matrix keeps from them, the two builds are the same, byte for byte, file for file —
    no panel, count, date, badge, link, history entry or search entry gives them away."""
    records, _ = planted_school
    out, index = all_sites
    blind = [
        folder
        for folder, a in index["audiences"].items()
        if not crisis_visible(records, a["roles"], a["teacher"])
    ]
    roles = {r for folder in blind for r in index["audiences"][folder]["roles"]}
    assert {"class_teacher", "grade_leader", "reviewer"} <= roles, roles
    for folder in blind:
        leaks = existence_leaks(sites_before_crisis / folder, out / folder)
        assert not leaks, f"{folder} can tell a crisis report exists: {leaks[:5]}"
    # and those who may see one do see a difference (the comparison is not blind)
    leader = existence_leaks(sites_before_crisis / "leader", out / "leader")
    assert any("students/" in f for f in leader)


def overlay_access(records: Path, copy: Path, edit: str, replacement: str) -> Path:
    """A copy of the school whose forms/access.yaml has one line changed."""
    shutil.copytree(records, copy)
    shipped = (ROOT / "forms/access.yaml").read_text("utf-8")
    assert edit in shipped
    (copy / "forms").mkdir(exist_ok=True)
    (copy / "forms/access.yaml").write_text(shipped.replace(edit, replacement), "utf-8")
    return copy


def reviewer(index: dict) -> str:
    return next(
        f for f, a in index["audiences"].items() if sorted(a["roles"]) == ["mentor", "reviewer"]
    )


def test_a_deliberate_existence_leak_fails_the_scan(planted_school, all_sites, tmp_path) -> None:
    """A school overlay that lets reviewers see that crisis reports exist (their date and
    kind, not one field): no sentinel reaches them — the text scan passes — but the
    existence scan catches it, since the README still says ``none``."""
    records, planted = planted_school
    _, index = all_sites
    folder = reviewer(index)
    audience = index["audiences"][folder]
    assert not crisis_visible(records, audience["roles"], audience["teacher"])
    line = 'reviewer: {"*": mentor_team, crisis-report: none}'
    leaky = line.replace("crisis-report: none", "crisis-report: staff")
    after = overlay_access(records, tmp_path / "after", line, leaky)
    before = tmp_path / "before"
    subprocess.run(
        ["git", "clone", "-q", "--branch", "before-crisis", str(after), str(before)],
        check=True,
        capture_output=True,
    )
    shutil.copytree(after / "forms", before / "forms", dirs_exist_ok=True)
    with_ = build_site(after, tmp_path / "site-after", TODAY, audience=folder)
    without = build_site(before, tmp_path / "site-before", TODAY, audience=folder)
    allowed = expected(records, planted, audience["roles"], audience["teacher"])
    assert set(found_in(with_)) <= allowed  # the sentinel scan alone sees nothing wrong
    leaks = existence_leaks(without, with_)
    assert leaks  # … the existence scan fails it
    assert any(f.startswith("students/") for f in leaks), leaks


def test_grants_raise_only_what_the_audience_already_sees(planted_school, all_sites, tmp_path):
    """A reviewer granted ``confidential`` for one semester: that semester's talks and
    visits open to them in full, other semesters stay at their level, and the crisis
    reports (cell ``none``) stay out — the scan, grants included, finds exactly that."""
    records, planted = planted_school
    _, index = all_sites
    folder = reviewer(index)
    audience = index["audiences"][folder]
    grant = {
        "teacher": audience["teacher"],
        "level": "confidential",
        "semesters": ["2026-2027-1"],
        "reason": "测试：本学期专项检查",
    }
    text = (
        f"grants:\n  - {{teacher: {grant['teacher']}, level: confidential, "
        f"semesters: [2026-2027-1], reason: {grant['reason']}}}"
    )
    granted = overlay_access(records, tmp_path / "granted", "grants: []", text)
    site = build_site(granted, tmp_path / "site", TODAY, audience=folder)
    allowed = expected(records, planted, audience["roles"], audience["teacher"], [grant])
    without_grant = expected(records, planted, audience["roles"], audience["teacher"])
    assert allowed > without_grant  # the grant opens something
    assert all(
        planted[n].where.startswith("semesters/2026-2027-1/") for n in allowed - without_grant
    )
    found = set(found_in(site))
    leaks = {planted[n].where for n in found - allowed}
    assert not leaks, leaks
    assert not allowed - found, [planted[n].where for n in sorted(allowed - found)[:5]]


def test_former_class_teachers_do_not_see_graduates(planted_school, all_sites) -> None:
    """Decided in the matrix (``leavers: false``): once a class graduates, its class
    teacher no longer sees those students' profiles; the school's archive keeps them."""
    records, _ = planted_school
    out, index = all_sites
    y = _yaml()
    graduates = {
        s["id"]
        for path in records.glob("people/cohorts/*.yaml")
        for s in y.load(path.read_text("utf-8"))["students"]
        if s.get("left")
    }
    mentored = {
        (p["mentor"], sid)
        for f in records.glob("semesters/*/pairings.yaml")
        for p in y.load(f.read_text("utf-8"))["pairings"]
        for sid in p["students"]
    }
    former = {
        c["class_teacher"]
        for f in records.glob("semesters/*/semester.yaml")
        for c in y.load(f.read_text("utf-8"))["classes"]
        if any(sid.startswith("S" + c["class"][3:5]) for sid in graduates)
    }
    checked = 0
    for teacher in sorted(former):
        folder = index["teachers"][teacher]
        if set(index["audiences"][folder]["roles"]) & {"leader", "moral_office", "reviewer"}:
            continue
        pages = {p.parent.name for p in (out / folder / "students").glob("*/index.html")}
        own = {sid for m, sid in mentored if m == teacher}
        assert not (pages & graduates) - own, teacher
        checked += 1
    assert checked
    leader = {p.parent.name for p in (out / "leader" / "students").glob("*/index.html")}
    assert graduates <= leader
