"""太谷：“每位导师负责1—2个学习小组或10名学生（班主任导师可负责2—3个学习小组或15—20名学生）”:
a mentor's study groups (学习小组) in the pairing table, checked (X250–X252), the policy's
group caps as a note (X253), printed by ``daoshi obligations`` and shown on the class pairing
page and the mentor's page. Run as a user runs ``daoshi``, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_roster import PAIRINGS, SCHOOL, make_repo

TAIGU = SCHOOL.replace("policies: [district]", "policies: [taigu]")
GROUPED = """\
semester: 2025-2026-1
pairings:
  - mentor: T001
    students: ["0250001", "0250002", "0250003"]
    key_student: "0250002"
    groups:
      - {name: 第一学习小组, students: ["0250001", "0250002"]}
      - {name: 第二学习小组, students: ["0250003"]}
  - mentor: T003
    students: ["0250004", "0250005", "0250006"]
  - mentor: T002
    students: ["0250004", "0250005", "0250006"]
    groups:
      - {name: 甲组, students: ["0250004"]}
      - {name: 乙组, students: ["0250005"]}
      - {name: 丙组, students: ["0250006"]}
"""
PAIRS = "semesters/2025-2026-1/pairings.yaml"


def daoshi(tmp_path: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_groups_over_the_taigu_cap_are_a_located_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "records", {"school.yaml": TAIGU, PAIRS: GROUPED})
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 0, out
    # T002 is no class teacher: two groups at most; T001 (class teacher, three) has two
    assert f"{PAIRS}:14:7: X253 导师 T002 负责 3 个学习小组，超过政策上限 2（政策 taigu）" in out
    assert "X253 导师 T001" not in out
    code, out = daoshi(tmp_path, "obligations", "--records", str(repo), "--on", "2025-12-01")
    assert code == 0, out
    assert "学习小组：每位导师至多 2 个，班主任导师至多 3 个（taigu）" in out
    assert "学习小组超过上限的导师：T002（3 个）" in out


def test_the_district_policy_has_no_group_cap(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "records", {PAIRS: GROUPED})
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 0, out
    assert "X253" not in out
    code, out = daoshi(tmp_path, "obligations", "--records", str(repo), "--on", "2025-12-01")
    assert "学习小组" not in out


def test_a_group_member_must_be_a_mentee_once(tmp_path: Path) -> None:
    bad = PAIRINGS + (
        "    groups:\n"
        '      - {name: 一组, students: ["0250004", "0250001"]}\n'
        '      - {name: 一组, students: ["0250005", "0250004"]}\n'
    )
    repo = make_repo(tmp_path / "records", {"school.yaml": TAIGU, PAIRS: bad})
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 1, out
    assert f"{PAIRS}:10:42: X250 学习小组“一组”中的学生 0250001 不是导师 T003 的受导学生" in out
    assert f"{PAIRS}:11:16: X252 导师 T003 有两个学习小组都叫“一组”" in out
    assert (
        f"{PAIRS}:11:42: X251 学生 0250004 已在导师 T003 的学习小组“一组”中：一名学生只在一个小组里"
    ) in out


def test_a_group_needs_a_name_and_members(tmp_path: Path) -> None:
    bad = PAIRINGS + "    groups:\n      - {students: []}\n"
    repo = make_repo(tmp_path / "records", {"school.yaml": TAIGU, PAIRS: bad})
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 1, out
    assert f"{PAIRS}:10:9:" in out


def test_a_bad_group_cap_is_a505(tmp_path: Path) -> None:
    taigu = (Path(__file__).parent.parent / "forms/policies/taigu.yaml").read_text("utf-8")
    bad = taigu.replace("  group_cap: 2\n", "  group_cap: two\n")
    assert bad != taigu
    repo = make_repo(tmp_path / "records", {"school.yaml": TAIGU, "forms/policies/taigu.yaml": bad})
    code, out = daoshi(tmp_path, "obligations", "--records", str(repo), "--on", "2025-12-01")
    assert code == 1, out
    assert "A505" in out and "settings.group_cap 应为正整数（学习小组个数）" in out


def test_the_pages_show_the_groups(tmp_path: Path) -> None:
    import html
    import re

    repo = make_repo(tmp_path / "records", {"school.yaml": TAIGU, PAIRS: GROUPED})
    site = tmp_path / "site"
    code, out = daoshi(tmp_path, "build", "--records", str(repo), "-d", str(site))
    assert code == 0, out

    def text(part: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())

    page = (site / "pairings" / "2025-2026-1" / "classes" / "C2025-01" / "index.html").read_text(
        "utf-8"
    )
    block = page.split("<h2>学习小组</h2>")[1].split("</table>")[0]
    rows = [text(r) for r in re.findall(r"<tr>(.*?)</tr>", block, flags=re.DOTALL)][1:]
    assert rows == [
        "王芳 第一学习小组 张伟 、 李娜",
        "王芳 第二学习小组 王磊",
    ]
    t002 = (site / "mentors" / "T002" / "index.html").read_text("utf-8")
    block = t002.split("<h3>学习小组</h3>")[1].split("</ul>")[0]
    assert [text(li) for li in re.findall(r"<li>(.*?)</li>", block, flags=re.DOTALL)] == [
        "甲组 （1 人）： 刘洋",
        "乙组 （1 人）： 陈静",
        "丙组 （1 人）： 杨帆",
    ]
