"""The editor's second kind of save: one entry of a semester's shared file — the appraisal
group's comment and sign-off, an office's score, a mentor's choice of students, a student's
needs answers — written into the YAML round-trip (comments and order kept), judged by the
hook's own rule (``access_entries``), checked by the real validator, committed as the
teacher and, in server mode, pushed through the hook.

The edit is applied to the file as it is at save time, so what others saved meanwhile in
other entries is kept (merged); when someone changed the same entry since the form was
opened, nothing is written and the page shows their version beside what the teacher typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.access_entries import FILE_NAMES, EntryRights, chosen_by, entry_problems, plain
from daoshi.access_entries import entry_rights as rights_in
from daoshi.git import GitError
from daoshi.policy.inputs import inputs_of
from daoshi.records.filecheck import check_file
from daoshi.records.model import Semester
from daoshi.records.validate import validate
from daoshi.write.delegate import TEACHER_OPTION
from daoshi.write.editor.drafts import EditorError
from daoshi.write.editor.editor import Editor, hook_lines
from daoshi.year.yamldoc import dump_yaml, load_yaml, new_document, text_value

# the list in each file that holds the entries teachers write
LISTS = {"assessments": ("mentors", "office_scores"), "preferences": ("mentors",)}


@dataclass(frozen=True)
class EntryEdit:
    """One entry to save: the file's list, the entry's key, the new values (a value of
    None or "" removes that field; ``values`` None removes the entry) and the entry as the
    form showed it (``base``, to notice someone else's change)."""

    semester: str
    file: str  # assessments, preferences or needs
    items: str  # the list: mentors, office_scores, students
    key: tuple[tuple[str, str], ...]
    values: Mapping[str, Any] | None
    base: str
    summary: str  # what the commit message says was written

    @property
    def path(self) -> str:
        return f"semesters/{self.semester}/{self.file}.yaml"


@dataclass
class EntryOutcome:
    """What a save of one entry did: saved, or why not (in Chinese)."""

    saved: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    theirs: Mapping[str, Any] | None = None  # the entry as someone else saved it


def semester_for(editor: Editor, semester_id: str | None) -> Semester:
    """The semester a page is about (the editor's current one by default)."""
    if not semester_id:
        return editor.semester()
    found = next((s for s in editor.school.semesters if s.id == semester_id), None)
    if found is None:
        raise EditorError(f"没有 {semester_id} 这个学期")
    return found


def shared_file(editor: Editor, semester: str, file: str) -> Any:
    """The semester's file as round-trip data ({} when there is none yet)."""
    target = editor.root / f"semesters/{semester}/{file}.yaml"
    data = load_yaml(target) if target.is_file() else None
    return data if isinstance(data, Mapping) else {}


def rights(editor: Editor, teacher: str, semester: Semester) -> EntryRights:
    """The teacher's rights in the semester's shared files (as the hook reckons them)."""
    chose = chosen_by(shared_file(editor, semester.id, "preferences"), teacher)
    return rights_in(editor.school, teacher, semester, chose)


def entries(data: Mapping[str, Any], items: str) -> list[Mapping[str, Any]]:
    found = data.get(items)
    return [i for i in found if isinstance(i, Mapping)] if isinstance(found, list) else []


def find(data: Mapping[str, Any], items: str, key: tuple[tuple[str, str], ...]) -> Any:
    """The entry with this key (None when there is none)."""
    return next((i for i in entries(data, items) if all(str(i.get(k)) == v for k, v in key)), None)


def base_of(entry: Any) -> str:
    """The entry as the form shows it, to send back with the form."""
    return plain(entry) if entry is not None else ""


def save_entry(editor: Editor, teacher: str, edit: EntryEdit) -> EntryOutcome:
    """Write one entry, validate, commit as the teacher and push; never half-done."""
    with editor.lock:
        try:
            editor.refresh()
            return _save(editor, teacher, edit)
        except GitError as exc:
            return EntryOutcome(problems=[f"保存时出错，没有保存：{exc}"])


def _save(editor: Editor, teacher: str, edit: EntryEdit) -> EntryOutcome:
    target = editor.root / edit.path
    before = target.read_bytes() if target.is_file() else None
    doc = load_yaml(target) if before is not None else new_document(edit.file, 2)
    if before is None:
        doc["semester"] = edit.semester
    current = find(doc, edit.items, edit.key)
    if edit.base and base_of(current) != edit.base:
        return EntryOutcome(
            problems=[
                "这一项在你打开页面之后被他人修改过。下面是现在保存的内容，你填写的内容仍在表单中；请核对后再保存。"
            ],
            theirs=current,
        )
    _apply(doc, edit, current)
    text = dump_yaml(doc)
    if before is not None and text.encode("utf-8") == before:
        return EntryOutcome(saved=True, notes=["内容没有改动，无需保存。"])
    refused = entry_problems(
        editor.school, teacher, edit.path, before, text.encode("utf-8"), editor.closed()
    )
    if refused:
        return EntryOutcome(problems=[f"不能保存：{p.message}" for p in refused])
    target.write_text(text, "utf-8")
    try:
        problems = _validated(editor, edit)
    except BaseException:
        _restore(editor, edit, before)
        raise
    if problems:
        _restore(editor, edit, before)
        return EntryOutcome(problems=problems)
    return _commit(editor, teacher, edit, before)


def _apply(doc: Any, edit: EntryEdit, current: Any) -> None:
    """The edit in the round-trip data: the entry changed in place, added, or removed."""
    seq = doc.get(edit.items)
    if not isinstance(seq, list):
        seq = doc[edit.items] = CommentedSeq()
    if edit.values is None:
        if current is not None:
            seq.remove(current)
        return
    entry = current
    if entry is None:
        entry = CommentedMap((k, text_value(v)) for k, v in edit.key)
        seq.append(entry)
    for name, value in edit.values.items():
        if value is None or value == "" or value == []:
            entry.pop(name, None)
        else:
            entry[name] = value


def _validated(editor: Editor, edit: EntryEdit) -> list[str]:
    """The validator's problems in the written file (and the appraisal's sign-off checks)."""
    result = validate(editor.root, today=editor.today(), need_school=True)
    found = [p for p in result.problems if p.location.path == edit.path]
    if edit.file == "assessments" and not found:
        raw = (editor.root / edit.path).read_bytes()
        checked = check_file(edit.path, edit.file, raw, editor.school.forms)
        start = editor.school.semester(edit.semester).start
        inputs_of(checked, editor.school, found, start)
    return [f"不能保存：{p.message}" for p in sorted(found)]


def _restore(editor: Editor, edit: EntryEdit, before: bytes | None) -> None:
    target = editor.root / edit.path
    if before is None:
        target.unlink(missing_ok=True)
    else:
        target.write_bytes(before)


def _commit(editor: Editor, teacher: str, edit: EntryEdit, before: bytes | None) -> EntryOutcome:
    name, email = editor.teacher(teacher)
    message = f"{FILE_NAMES[edit.file]}：{edit.summary}（{edit.semester}）"
    editor.clone.commit(edit.path, name, email, message)
    if editor.push:
        options = (f"{TEACHER_OPTION}{teacher}",) if editor.delegate else ()
        accepted, said = editor.clone.push({editor.user_env: teacher}, options)
        if not accepted and editor.clone.remote is None:
            return EntryOutcome(
                saved=True, notes=[f"已提交到本地仓库，但推送失败：{hook_lines(said)}"]
            )
        if not accepted:
            editor.clone.undo_last()
            editor.head = ""  # reload from the remote on the next request
            return EntryOutcome(problems=[f"服务器拒绝了这次保存：{hook_lines(said)}"])
    editor.head = ""  # the file changed: the school is read again on the next request
    return EntryOutcome(saved=True)
