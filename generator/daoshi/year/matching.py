"""Two-way selection (双向选择): a stable many-to-one matching of students to mentors.

Student-proposing deferred acceptance (Gale–Shapley) under capacities: each student
proposes to their choices in order; each mentor holds the best applicants by their
priority and rejects the rest. The result is stable (no student and mentor who both
prefer each other to what they got) and the best stable result for every student.

A mentor's capacity is the policy's ratio cap (class teachers have their own), lowered
by what the mentor stated and by the mentees they keep. The "1+X" key-student slot
limits how many key students (重点帮扶对象) a mentor takes (default 1). A mentor's
priority over applicants (Zaozhuang, Qingpu): key students first when the mentor is
their class teacher or a Party-member, Party-activist or cadre teacher (顽劣生首先由班主任、
班子成员、共产党员和入党积极分子承包); then students of a class the mentor teaches; then
students who ranked the mentor higher; then by student ID, so the result is deterministic.

The mentors' side (枣庄：“导师依照本人所掌握的班级情况，选择4名受导学生”): students a mentor
chose come before every other applicant in the mentor's priority, so a student who chose a
mentor who chose them back (双向选中) gets that mentor unless they get a choice they ranked
higher; such pairs are reported as mutual.

The needs questionnaire (枣庄：“通过简单的调查咨询卷理解学生的需要”) breaks ties: between two
applicants equal so far, a mentor takes first the one who asked help in a subject the
mentor teaches; a student placed without a choice goes first to such a teacher.

Students left without a mentor (no choice given, every choice full) are then placed with
a teacher of their own class who still has room, the one with the most room first. Every
student who got none of their choices, and every one still without a mentor, gets an
explanation in Chinese.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

ORDINALS = "一二三四五六七八九十"

# Teacher tags that give a mentor priority for key students (枣庄：顽劣生，首先由班主任、
# 班级任课老师中的班子成员、共产党员和入党积极分子承包).
PRIORITY_TAGS = frozenset({"party_member", "cadre", "party_activist"})


@dataclass(frozen=True)
class Applicant:
    """A student taking part: their class, ranked choices (mentor IDs) and key status."""

    id: str
    class_id: str
    choices: tuple[str, ...] = ()
    key: bool = False
    needs: frozenset[str] = frozenset()  # subjects the needs questionnaire asks help in


@dataclass(frozen=True)
class Mentor:
    """A mentor's room (capacity, key-student slots) and what gives students priority."""

    id: str
    capacity: int
    key_slots: int | None = 1  # None: no limit
    priority: bool = False  # Party member, activist or cadre: takes key students first
    class_teacher_of: frozenset[str] = frozenset()
    teaches: frozenset[str] = frozenset()
    chosen: frozenset[str] = frozenset()  # the students the mentor chose (导师选学生)
    subjects: frozenset[str] = frozenset()  # what the mentor teaches

    def helps(self, applicant: Applicant) -> bool:
        """Whether the mentor teaches a subject the student asked help in (需求问卷)."""
        return bool(self.subjects & applicant.needs)

    def knows(self, class_id: str) -> bool:
        """Whether the mentor teaches (or is the class teacher of) the class."""
        return class_id in self.teaches or class_id in self.class_teacher_of


def priority(mentor: Mentor, applicant: Applicant) -> tuple[bool, int, int, bool, str]:
    """How a mentor ranks an applicant: smaller is better; the mentor's own choices first."""
    if applicant.key and (mentor.priority or applicant.class_id in mentor.class_teacher_of):
        tier = 0
    elif mentor.knows(applicant.class_id):
        tier = 1
    else:
        tier = 2
    try:
        rank = applicant.choices.index(mentor.id)
    except ValueError:
        rank = len(applicant.choices)
    return applicant.id not in mentor.chosen, tier, rank, not mentor.helps(applicant), applicant.id


def choose(mentor: Mentor, applicants: Iterable[Applicant]) -> list[Applicant]:
    """The applicants a mentor keeps: the best ones that fit the capacity and key slots."""
    kept: list[Applicant] = []
    keys = 0
    for applicant in sorted(applicants, key=lambda a: priority(mentor, a)):
        if len(kept) >= mentor.capacity:
            break
        if applicant.key:
            if mentor.key_slots is not None and keys >= mentor.key_slots:
                continue
            keys += 1
        kept.append(applicant)
    return kept


@dataclass
class Outcome:
    """Who got whom; ``rank`` is the choice index (None: placed without a choice)."""

    assignment: dict[str, str] = field(default_factory=dict)
    rank: dict[str, int | None] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    explanations: dict[str, list[str]] = field(default_factory=dict)
    mutual: list[str] = field(default_factory=list)  # got a mentor they chose who chose them

    def counts(self) -> dict[str, int]:
        """How many got their 1st, 2nd … choice, were placed, or are unmatched."""
        out: dict[str, int] = {}
        ranks = sorted(self.rank.values(), key=lambda r: (r is None, r or 0))
        for r in ranks:
            key = f"第{ORDINALS[r] if r < 10 else r + 1}志愿" if r is not None else "调剂"
            out[key] = out.get(key, 0) + 1
        if self.unmatched:
            out["未分配"] = len(self.unmatched)
        return out


def deferred_acceptance(
    applicants: Sequence[Applicant], mentors: Mapping[str, Mentor]
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Student-proposing DA: (student -> mentor, (student, mentor) -> why rejected)."""
    by_id = {a.id: a for a in applicants}
    next_choice = dict.fromkeys(by_id, 0)
    held: dict[str, list[Applicant]] = {m: [] for m in mentors}
    why: dict[tuple[str, str], str] = {}
    free = deque(sorted(by_id))
    while free:
        sid = free.popleft()
        applicant = by_id[sid]
        while next_choice[sid] < len(applicant.choices):
            mid = applicant.choices[next_choice[sid]]
            next_choice[sid] += 1
            mentor = mentors.get(mid)
            if mentor is None:
                why[(sid, mid)] = "absent"
                continue
            pool = [*held[mid], applicant]
            kept = choose(mentor, pool)
            held[mid] = kept
            kept_ids = {a.id for a in kept}
            for other in pool:
                if other.id not in kept_ids:
                    why[(other.id, mid)] = _reason(mentor, other, kept)
                    if other.id != sid:
                        free.append(other.id)
            if sid in kept_ids:
                break
    assignment = {a.id: mid for mid, kept in held.items() for a in kept}
    return assignment, why


def _reason(mentor: Mentor, applicant: Applicant, kept: list[Applicant]) -> str:
    if mentor.capacity <= 0:
        return "no_room"
    if applicant.key and len(kept) < mentor.capacity:
        return "key"
    return "full"


def match(
    applicants: Sequence[Applicant],
    mentors: Mapping[str, Mentor],
    *,
    names: Mapping[str, str] | None = None,
    fallback: bool = True,
) -> Outcome:
    """Deferred acceptance, then placement in the student's own class; every miss explained."""
    names = names or {}
    assignment, why = deferred_acceptance(applicants, mentors)
    outcome = Outcome()
    load = {m: 0 for m in mentors}
    keys = {m: 0 for m in mentors}
    by_id = {a.id: a for a in applicants}
    for sid, mid in assignment.items():
        load[mid] += 1
        keys[mid] += by_id[sid].key
        outcome.assignment[sid] = mid
        outcome.rank[sid] = by_id[sid].choices.index(mid)
        if sid in mentors[mid].chosen:
            outcome.mutual.append(sid)
    outcome.mutual.sort()
    rest = sorted(
        (a for a in applicants if a.id not in assignment), key=lambda a: (not a.key, a.id)
    )
    for applicant in rest:
        lines = _misses(applicant, mentors, why, names)
        placed = None
        if fallback:
            room = [
                m
                for m in mentors.values()
                if (m.knows(applicant.class_id) or applicant.id in m.chosen)
                and load[m.id] < m.capacity
                and not (applicant.key and m.key_slots is not None and keys[m.id] >= m.key_slots)
            ]
            if room:
                placed = min(
                    room,
                    key=lambda m: (
                        applicant.id not in m.chosen,
                        not m.helps(applicant),
                        load[m.id] - m.capacity,
                        m.id,
                    ),
                )
        if placed is not None:
            load[placed.id] += 1
            keys[placed.id] += applicant.key
            outcome.assignment[applicant.id] = placed.id
            outcome.rank[applicant.id] = None
            if applicant.id in placed.chosen:
                lines.append(f"→ 安排给选择了这名学生的导师 {_who(placed.id, names)}（还有名额）")
            elif placed.helps(applicant):
                subjects = "、".join(sorted(placed.subjects & applicant.needs))
                lines.append(
                    f"→ 调剂给任教本班的 {_who(placed.id, names)}（还有名额，"
                    f"任教该生在需求问卷中要求辅导的{subjects}）"
                )
            else:
                lines.append(f"→ 调剂给任教本班的 {_who(placed.id, names)}（还有名额）")
        else:
            outcome.unmatched.append(applicant.id)
            what = "重点帮扶名额" if applicant.key else "名额"
            lines.append(
                f"→ 未分配：任教本班（{applicant.class_id}）的教师{what}都已满，"
                "请手工安排（可以多对一，或调整名额）"
            )
        outcome.explanations[applicant.id] = lines
    return outcome


def _who(mid: str, names: Mapping[str, str]) -> str:
    return f"{mid} {names[mid]}" if mid in names else mid


def _misses(
    applicant: Applicant,
    mentors: Mapping[str, Mentor],
    why: Mapping[tuple[str, str], str],
    names: Mapping[str, str],
) -> list[str]:
    if not applicant.choices:
        return ["没有填写志愿"]
    lines = []
    for i, mid in enumerate(applicant.choices):
        label = f"第{ORDINALS[i] if i < 10 else i + 1}志愿 {_who(mid, names)}"
        reason = why.get((applicant.id, mid), "full")
        mentor = mentors.get(mid)
        if reason == "absent" or mentor is None:
            lines.append(f"{label}不能带学生（已离职或不在导师名单中）")
        elif reason == "no_room":
            lines.append(f"{label}没有名额")
        elif reason == "key":
            lines.append(f"{label}的重点帮扶名额（1+X 的“1”）已给了优先的学生")
        else:
            lines.append(f"{label}已满（{mentor.capacity} 人），录取了优先的学生")
    return lines


def blocking_pairs(
    applicants: Sequence[Applicant], mentors: Mapping[str, Mentor], assignment: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Student–mentor pairs that would both rather be together: empty when stable."""
    held: dict[str, list[Applicant]] = {m: [] for m in mentors}
    for a in applicants:
        if a.id in assignment:
            held[assignment[a.id]].append(a)
    pairs = []
    for a in applicants:
        current = assignment.get(a.id)
        better = a.choices[: a.choices.index(current)] if current in a.choices else a.choices
        for mid in better:
            mentor = mentors.get(mid)
            if mentor is None:
                continue
            if a.id in {b.id for b in choose(mentor, [*held[mid], a])}:
                pairs.append((a.id, mid))
    return pairs
