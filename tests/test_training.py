"""Training and case-seminar attendance (培训与研讨, ``forms/kinds/training.yaml``): a
teacher's own record, about no student, in ``journal/<teacher>/self/``. Run as a user runs
daoshi: written with ``daoshi new``, validated, counted by a policy that asks for it, shown on
the teacher's page to the teacher and the school-wide roles only.

    区文件：“定期开展导师制工作校本培训”；“每月开展一次专题培训、案例教学”；
    “建立‘导师团’集体教研制度，进行案例研讨，形成经验”
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.handcount import S, school_yaml, write
from tests.test_family_meeting import _text, daoshi, taigu_school

TRAINING = f"semesters/{S}/journal/T001/self/2025-10-22-training.md"
TOPIC = "一名厌学学生的转化：导师团案例研讨"
NOTE = "学到了先听后说，谈话时少提问多倾听，下次家访试一试。"
OURS = """\
id: ours
label: {zh: 本校, en: Ours}
help: {zh: 本校：每学期至少参加一次导师培训或案例研讨。, en: Ours}
ratio_cap: 15
obligations:
  - {id: training, per: mentor, kind: training, min: 1, every: semester}
"""


def test_written_validated_and_counted_where_the_policy_asks(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    write(root, {"school.yaml": school_yaml("ours"), "forms/policies/ours.yaml": OURS})
    # a teacher's own record names no student
    code, out = daoshi(
        "new", "training", "--student", "S250001", "--records", "records", cwd=tmp_path
    )
    assert code != 0 and "不写学生" in out
    code, out = daoshi(
        "new",
        "training",
        "--mentor",
        "T001",
        "--date",
        "2025-10-22",
        "--records",
        "records",
        cwd=tmp_path,
    )
    assert code == 0, out
    assert out.strip() == f"records/{TRAINING}"
    text = (root / TRAINING).read_text("utf-8")
    assert "student" not in text and "participants" not in text

    check = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")
    code, out = daoshi(*check, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{TRAINING}:7:6: R102 缺少必填字段“类别”（type）",
        f"records/{TRAINING}:9:7: R102 缺少必填字段“主题”（topic）",
    ]
    text = text.replace("type:\n", "type: special\n").replace("topic:\n", f"topic: {TOPIC}\n")
    (root / TRAINING).write_text(text, "utf-8")
    code, out = daoshi(*check, cwd=tmp_path)
    assert (code, out) == (0, "")

    # in the wrong folder: the path says a student, the record none
    wrong = root / f"semesters/{S}/journal/T001/S250001/2025-10-22-training.md"
    wrong.parent.mkdir(parents=True)
    wrong.write_text(text, "utf-8")
    code, out = daoshi(*check, cwd=tmp_path)
    assert code == 1
    assert "X212 文件名与内容不一致：self 在路径中是“S250001”，文件中是“self”" in out
    wrong.unlink()

    code, out = daoshi(
        "obligations",
        "--records",
        "records",
        "--on",
        "2026-02-01",
        "--only",
        "mentors",
        cwd=tmp_path,
    )
    assert code == 0, out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("T00")}
    assert "培训与研讨 本学期 已完成" in rows["T001"]
    assert "培训与研讨 本学期 未完成" in rows["T002"]


def test_shown_to_the_teacher_and_the_school_not_to_other_teachers(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    write(
        root,
        {
            TRAINING: "---\nkind: training\nmentor: T001\ndate: 2025-10-22\n"
            f"type: case_seminar\ntopic: {TOPIC}\norganiser: 导师团\nhours: 1.5\n---\n{NOTE}\n"
        },
    )
    for audience, folder in (("leader", "leader"), ("mentor:T001", "t001"), ("T002", "t002")):
        code, out = daoshi(
            "build", "--records", "records", "-d", folder, "--audience", audience, cwd=tmp_path
        )
        assert code == 0, out
    for folder in ("leader", "t001"):
        page = _text((tmp_path / folder / "mentors/T001/index.html").read_text("utf-8"))
        assert "参加的培训与研讨" in page and TOPIC in page and NOTE in page, folder
        assert "案例研讨" in page and "1.5" in page
    # about no student: on no student's page
    leader = tmp_path / "leader"
    assert all(TOPIC not in p.read_text("utf-8") for p in leader.glob("students/*/index.html"))
    # another teacher's site has none of it, anywhere
    t002 = tmp_path / "t002"
    everything = "".join(p.read_text("utf-8", errors="replace") for p in t002.rglob("*.*"))
    assert TOPIC not in everything and NOTE not in everything


def test_only_the_teacher_writes_their_own_records(tmp_path: Path) -> None:
    """The push rule (and the editor) ask ``write_problem``: a teacher's self/ folder is
    theirs; another teacher may neither add nor change anything in it."""
    from daoshi.access import write_problem
    from daoshi.records.validate import load

    root = tmp_path / "records"
    taigu_school(root)
    school = load(root, today=dt.date(2026, 2, 1))
    closed: frozenset[str] = frozenset()
    assert write_problem(school, "T001", "A", TRAINING, closed) is None
    for status in ("A", "M"):
        found = write_problem(school, "T002", status, TRAINING, closed)
        assert found is not None and found.code == "W705", status
