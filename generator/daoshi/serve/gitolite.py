"""Who may reach the school's repository through gitolite, from the access matrix.

A clone holds every record in full, so only the holders of the roles ``forms/access.yaml``
lists under ``git`` (those that read everything, and the admin who maintains the data)
get an account on the repository, named by their teacher ID (``keydir/T001.pub``). The
web editor gets one too (``daoshi-editor``), as a delegate: it pushes for the teacher who
saved, named in a push option, and the pre-receive hook judges that teacher. No other
teacher can clone or fetch: gitolite refuses before git starts.

Per-teacher filtered repositories (each teacher a repository holding only what their
audience may read, pushes carried over into the school's) would be a second copy of every
access decision in git history, rewritten on every pairing change; the editor already
writes as the teacher through the same hook, so it is the teachers' door.
"""

from __future__ import annotations

from daoshi.access import teacher_roles
from daoshi.records.model import School

EDITOR_ACCOUNT = "daoshi-editor"


def git_readers(school: School) -> list[str]:
    """The teachers (still at the school) whose roles may clone the repository."""
    allowed = set(school.forms.access.git)
    return [
        tid
        for tid, teacher in sorted(school.teachers.items())
        if teacher.left is None and allowed & set(teacher_roles(school, tid))
    ]


def gitolite_conf(school: School, repo: str = "records", editor: str = EDITOR_ACCOUNT) -> str:
    """The ``repo`` block for ``conf/gitolite.conf`` (regenerate after a roles change)."""
    readers = git_readers(school)
    roles = "、".join(school.forms.access.git) or "（无）"
    lines = [
        "# 由 daoshi server gitolite 生成：forms/access.yaml 的 git 列出的角色（" + roles + "）",
        "# 的教师可以 clone 和推送；其他教师没有权限，他们通过网页编辑器（" + editor + "）写记录。",
        "# 人员或角色变动后重新生成。谁能改哪个文件由 daoshi 的 pre-receive 钩子决定。",
        f"@daoshi-git = {' '.join(readers)}" if readers else "# （没有教师可以 clone）",
        "",
        f"repo {repo}",
        f"    RW      =   {editor}" + (" @daoshi-git" if readers else ""),
        "",
    ]
    return "\n".join(lines)
