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


def plant(records: Path) -> dict[int, Planted]:
    """Put a unique sentinel in every sensitive free-text field of the records at ``records``."""
    forms = load_forms(records)
    staff = forms.levels[0].id
    rank = {lv.id: i for i, lv in enumerate(forms.levels)}
    planter = Planter()
    y = _yaml()
    for path in sorted(records.glob("semesters/*/journal/*/*/*.md")):
        text = path.read_text("utf-8")
        _, front, body = text.split("---\n", 2)
        data = y.load(front)
        kind = forms.kinds[data["kind"]]
        students = tuple(data.get("participants") or [data["student"]])
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
    """The access matrix as the README documents it: role → scope, role → kind → level."""
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
        scopes[role] = cells[1].split("`")[1]
        levels[role] = {k: c.split("`")[1] for k, c in zip(kinds, cells[3:], strict=True)}
    return scopes, levels


def expected(
    records: Path, planted: dict[int, Planted], roles: list[str], teacher: str | None
) -> set[int]:
    """The sentinels an audience with these roles may see, from the README and plain data."""
    y = _yaml()
    forms = load_forms(records)
    rank = {lv.id: i for i, lv in enumerate(forms.levels)} | {"none": -1}
    scopes, matrix = readme_matrix()
    students: dict[str, tuple[int, str]] = {}  # id → (cohort, class)
    for path in records.glob("people/cohorts/*.yaml"):
        data = y.load(path.read_text("utf-8"))
        for s in data["students"]:
            students[s["id"]] = (int(data["cohort"]), s["class"])
    semesters = [y.load(p.read_text("utf-8")) for p in records.glob("semesters/*/semester.yaml")]
    pairings = [y.load(p.read_text("utf-8")) for p in records.glob("semesters/*/pairings.yaml")]
    screening = [y.load(p.read_text("utf-8")) for p in records.glob("semesters/*/screening.yaml")]
    written = {
        sid
        for p in records.glob(f"semesters/*/journal/{teacher}/*/*.md")
        for sid in (
            [p.parent.name]
            if p.parent.name != "group"
            else _yaml().load(p.read_text("utf-8").split("---\n")[1])["participants"]
        )
    }
    crisis = {p.parent.name for p in records.glob("semesters/*/journal/*/*/*-crisis-report*.md")}

    def in_scope(role: str, sid: str) -> bool:
        scope = scopes[role]
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
            if any(in_scope(role, sid) for sid in p.students):
                best = max(
                    best, rank[row.get(p.kind, row["*"])] if p.kind != "*" else rank[row["*"]]
                )
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


@pytest.fixture(scope="module")
def planted_school(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Planted]]:
    """The demo school as a git repository whose second commit plants the sentinels, so
    the history and review pages (field-by-field diffs) are scanned too."""
    records = tmp_path_factory.mktemp("privacy") / "records"
    shutil.copytree(ROOT / "records", records)
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
    planted = plant(records)
    subprocess.run([*git, "commit", "-qam", "补充记录"], check=True)
    return records, planted


@pytest.fixture(scope="module")
def all_sites(
    planted_school: tuple[Path, dict[int, Planted]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    records, _ = planted_school
    out = tmp_path_factory.mktemp("sites")
    index = build_all_audiences(records, out, TODAY)
    return out, index


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
