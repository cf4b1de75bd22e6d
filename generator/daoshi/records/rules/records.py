"""Records, screening and surveys: each record's folder, people, semester and mentor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from daoshi.errors import Location
from daoshi.records.check import Checked
from daoshi.records.layout import GROUP, RECORD, SELF, TEACHER, record_path
from daoshi.records.model import (
    RECORD_CLASSES,
    Record,
    ScreeningEntry,
    Semester,
    StudentNeeds,
    SurveyResult,
    record_window,
    within,
)
from daoshi.records.rules.base import (
    SURVEY_SCORES,
    in_language,
)
from daoshi.records.rules.kinds import CLASS_TEACHER_WRITES, kind_problems
from daoshi.records.rules.pairings import PairingRules

SURVEY_SCALES = {5: (1, 5), 100: (0, 100)}  # a rating scale: its lowest and top value


class RecordRules(PairingRules):
    """Records, screening and surveys: each record's folder, people, semester and mentor."""

    def load_screening(self) -> tuple[ScreeningEntry, ...]:
        entries = []
        for checked in self.by_role.get("screening", []):
            semester_id = self.folder_matches(checked)
            for i, e in enumerate((checked.data or {}).get("students", ())):
                if semester_id is not None and "student" in e and "proposed_by" in e:
                    where = checked.loc("students", i, "proposed_by")
                    self.check_proposer(where, semester_id, e["student"], e["proposed_by"])
                if (
                    semester_id is not None
                    and len(e.keys() & {"student", "categories", "proposed_by", "decided"}) == 4
                ):
                    entries.append(
                        ScreeningEntry(
                            semester_id,
                            e["student"],
                            e["categories"],
                            e["proposed_by"],
                            e["decided"],
                            e.get("note"),
                        )
                    )
        return tuple(entries)

    def check_proposer(self, where: Location, semester_id: str, sid: str, proposer: str) -> None:
        """X245: a student is proposed by their class teacher (青浦实验：“组织全体班主任老师对班级
        学生进行全面梳理……上报各年级组”); unknown students and teachers are reported elsewhere."""
        semester = self.semesters.get(semester_id)
        student = self.students.get(sid)
        if semester is None or student is None or proposer not in self.teachers:
            return
        klass = student.class_id
        class_teachers = {c.class_teacher for c in semester.classes if c.class_id == klass}
        if class_teachers and proposer not in class_teachers:
            self.add(
                where,
                "X245",
                teacher=proposer,
                student=sid,
                semester=semester_id,
                class_teacher="、".join(sorted(class_teachers)),
            )

    def load_needs(self) -> tuple[StudentNeeds, ...]:
        """The needs questionnaires' answers (their fields are checked by the form)."""
        found = []
        for checked in self.by_role.get("needs", []):
            semester_id = self.folder_matches(checked)
            for e in (checked.data or {}).get("students", ()):
                if semester_id is not None and "student" in e:
                    found.append(
                        StudentNeeds(
                            semester_id,
                            e["student"],
                            tuple(e.get("areas") or ()),
                            tuple(str(s) for s in e.get("subjects") or ()),
                            e.get("note"),
                        )
                    )
        return tuple(found)

    def load_surveys(self) -> tuple[SurveyResult, ...]:
        results = []
        for checked in self.by_role.get("surveys", []):
            semester_id = self.folder_matches(checked)
            for i, r in enumerate((checked.data or {}).get("results", ())):
                scale = r.get("scale", 5)
                if scale not in SURVEY_SCALES:
                    self.add(checked.loc("results", i, "scale"), "X222", value=scale)
                    continue
                low, top = SURVEY_SCALES[scale]
                bad = [k for k in SURVEY_SCORES if k in r and not low <= r[k] <= top]
                for k in bad:
                    where = checked.loc("results", i, k)
                    self.add(where, "X223", value=r[k], scale=scale, low=low, top=top)
                if (
                    semester_id is not None
                    and not bad
                    and len(r.keys() & {"mentor", "respondents", "responses"}) == 3
                ):
                    scores = MappingProxyType({k: float(r[k]) for k in SURVEY_SCORES if k in r})
                    results.append(
                        SurveyResult(
                            semester_id,
                            r["mentor"],
                            r["respondents"],
                            r["responses"],
                            scores,
                            scale,
                        )
                    )
        return tuple(results)

    def load_records(self) -> tuple[Record, ...]:
        records = []
        for checked in self.by_role.get(RECORD, []):
            record = self.check_record(checked)
            if record is not None:
                records.append(record)
        return tuple(sorted(records, key=lambda r: (r.date, r.path)))

    def check_path(self, checked: Checked, data: Mapping[str, Any], base: str) -> None:
        """The path's mentor, subject, date and kind must agree with the front matter."""
        rp = record_path(checked.path)
        if rp is None:
            return
        subject = {GROUP: GROUP, TEACHER: SELF}.get(base, data.get("student"))
        name = {GROUP: "group", TEACHER: "self"}.get(base, "student")
        pairs: list[tuple[str, str | None, Any]] = [
            ("mentor", rp.mentor, data.get("mentor")),
            (name, rp.subject, subject),
        ]
        if rp.kind is not None:
            pairs += [
                ("date", rp.date, str(data["date"]) if "date" in data else None),
                ("kind", rp.kind, data.get("kind")),
            ]
        for name, in_path, in_file in pairs:
            if in_file is not None and in_path != in_file:
                key = {"group": "participants", "self": "mentor"}.get(name, name)
                self.add(checked.loc(key), "X212", field=name, in_path=in_path, in_file=in_file)

    def check_acknowledged(self, checked: Checked, data: Mapping[str, Any]) -> None:
        """太谷附表四“被谈话人签字”: how and when go together (X231); the student signs
        on or after the talk (X230), never in the future (X208)."""
        how, on = data.get("student_signed"), data.get("student_signed_on")
        if (how is None) != (on is None):
            self.add(
                checked.loc("student_signed" if how is not None else "student_signed_on"), "X231"
            )
        date = data.get("date")
        if on is None:
            return
        if isinstance(date, dt.date) and on < date:
            self.add(checked.loc("student_signed_on"), "X230", signed=on, date=date)
        if on > self.today:
            self.add(checked.loc("student_signed_on"), "X208", date=on, today=self.today)

    def check_record(self, checked: Checked) -> Record | None:
        data = checked.data or {}
        kind = checked.kind
        if kind is None:
            return None
        base = self.forms.kinds[kind].base
        group = base == GROUP
        self.check_path(checked, data, base)
        rp = record_path(checked.path)
        semester = self.semesters.get(rp.semester) if rp is not None else None
        date, mentor = data.get("date"), data.get("mentor")
        window = record_window(self.forms, semester, kind) if semester is not None else None
        if date is not None and window is not None and not window[0] <= date <= window[1]:
            self.add(
                checked.loc("date"),
                "X207",
                date=date,
                semester=semester.id if semester else "",
                start=window[0],
                end=window[1],
            )
        if date is not None and date > self.today:
            self.add(checked.loc("date"), "X208", date=date, today=self.today)
        self.check_acknowledged(checked, data)
        ranking = self.school_file is not None and (self.school_file.data or {}).get("exam_ranking")
        found = kind_problems(checked, data, exam_ranking=bool(ranking), semester=semester)
        for where, code, args in found:
            self.add(where, code, **args)
        students = self.record_students(checked, data, group)
        if semester is not None and semester.id in self.paired and mentor in self.teachers:
            mentees = self.mentees.get((semester.id, mentor), set())
            for key, sid in students:
                if sid in self.students and sid not in mentees:
                    if self.class_teacher_writes(kind, semester, sid, mentor):
                        continue  # 区: the class teacher's own parent contact or home visit
                    self.add(
                        checked.loc(*key), "X209", student=sid, mentor=mentor, semester=semester.id
                    )
                elif sid in mentees and isinstance(date, dt.date):
                    spans = self.spans[(semester.id, mentor, sid)]
                    day = within(date, (semester.start, semester.end))  # 开学前 → first day
                    if not any(a <= day <= b for a, b in spans):
                        self.add(
                            checked.loc("date"),
                            "X220",
                            student=sid,
                            mentor=mentor,
                            date=date,
                            spans=in_language("、", ", ").join(
                                in_language(f"{a} 至 {b}", f"{a} to {b}") for a, b in sorted(spans)
                            ),
                        )
        if date is None or mentor is None or semester is None:
            return None
        if not students and base != TEACHER:  # a teacher's own record is about no student
            return None
        cls = RECORD_CLASSES.get(kind, Record)
        return cls(
            path=checked.path,
            kind=kind,
            semester=semester.id,
            mentor=mentor,
            date=date,
            students=tuple(sid for _, sid in students),
            body=checked.body or "",
            fields=MappingProxyType(dict(data)),
        )

    def class_teacher_writes(self, kind: str, semester: Semester, sid: str, teacher: str) -> bool:
        """Whether ``teacher`` writes this kind about ``sid`` as the student's class teacher."""
        klass = self.students[sid].class_id
        return kind in CLASS_TEACHER_WRITES and any(
            c.class_id == klass and c.class_teacher == teacher for c in semester.classes
        )

    def record_students(
        self, checked: Checked, data: Mapping[str, Any], group: bool
    ) -> list[tuple[tuple[Any, ...], str]]:
        """The students a record is about, with the key of each in the file."""
        if not group:
            return [(("student",), data["student"])] if "student" in data else []
        found: list[tuple[tuple[Any, ...], str]] = []
        seen: set[str] = set()  # a set, not a scan of the list: 90,000 names fit in 1 MiB
        for j, sid in enumerate(data.get("participants", ())):
            if sid in seen:
                self.add(checked.loc("participants", j), "X217", id=sid)
                continue
            seen.add(sid)
            found.append((("participants", j), sid))
        return found
