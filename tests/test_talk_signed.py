"""The student's acknowledgement of a talk record (太谷附表四“被谈话人签字”): the fact and
the date the student signed the printed record or confirmed it in person, shown with the
record; an unsigned record prints a line to sign on."""

from __future__ import annotations

from pathlib import Path

from tests.handcount import (
    S,
    cohort_yaml,
    record,
    run,
    school_yaml,
    semester_yaml,
    teachers_yaml,
    write,
)

PAIRINGS = f"semester: {S}\npairings:\n  - {{mentor: T001, students: [S250001]}}\n"


def test_acknowledged_talk_on_the_student_page(tmp_path: Path) -> None:
    root = tmp_path / "records"
    files = {
        "school.yaml": school_yaml("taigu"),
        "people/teachers.yaml": teachers_yaml("T001"),
        "people/cohorts/2025.yaml": cohort_yaml({"S250001": ""}),
        f"semesters/{S}/semester.yaml": semester_yaml(),
        f"semesters/{S}/pairings.yaml": PAIRINGS,
    }
    signed = record(
        "talk",
        "T001",
        "S250001",
        "2025-10-08",
        student_signed="sheet",
        student_signed_on="2025-10-09",
    )
    unsigned = record("talk", "T001", "S250001", "2025-10-15")
    write(root, files | dict([signed, unsigned]))
    code, out = run("validate", str(root), "--today", "2025-10-20")
    assert code == 0, out
    site = tmp_path / "site"
    code, out = run("build", "--records", str(root), "-d", str(site), "--today", "2025-10-20")
    assert code == 0, out
    page = (site / "students" / "S250001" / "index.html").read_text("utf-8")
    first = page[page.index('id="2025-10-08-talk"') :]
    first = first[: first.index("</article>")]
    assert "<dt>被谈话人签字</dt><dd>学生已在打印的谈话记录上签字</dd>" in first
    assert "<dt>签字日期</dt><dd>2025-10-09</dd>" in first
    assert "daoshi-sign-line" not in first
    second = page[page.index('id="2025-10-15-talk"') :]
    second = second[: second.index("</article>")]
    assert "被谈话人签字：＿＿＿＿＿＿　谈话人签字：＿＿＿＿＿＿" in second
    assert "daoshi-print-only daoshi-sign-line" in second  # on paper only
