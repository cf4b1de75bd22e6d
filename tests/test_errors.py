"""Every problem code, triggered through the real ``daoshi validate``, with the exact line.

Each case writes bad files into the minimal valid tree of ``conftest.school`` and asserts
the line ``PATH/rel/path:line:col: CODE message`` is printed and the exit code is 1. The
edge cases found while writing these tests keep their own tests below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from daoshi.errors import Location, Problem
from daoshi.messages import MESSAGES, is_fact
from daoshi.records.filecheck import read_and_check
from daoshi.records.formfiles import load_forms
from daoshi.records.layout import RECORD

from .conftest import MINIMAL, SEMESTER, SUMMARY_OK, TALK, TODAY, School

TALK2 = f"{SEMESTER}/journal/T001/S250001/2025-10-13-talk.md"
PAIRINGS = f"{SEMESTER}/pairings.yaml"
SEMESTER_FILE = f"{SEMESTER}/semester.yaml"
COHORT = "people/cohorts/2025.yaml"
TEACHERS = "people/teachers.yaml"
PROGRESS = f"{SEMESTER}/journal/T001/S250001/2025-10-13-progress.md"
PROGRESS_HEAD = (
    "---\nkind: progress\nmentor: T001\nstudent: S250001\ndate: 2025-10-13\nconduct: 按时到校\n"
)
CONTACT = f"{SEMESTER}/journal/T001/S250001/2025-10-13-parent-contact.md"
FOLLOW_UP = f"{SEMESTER}/journal/T001/S250001/2025-10-13-colleague-follow-up.md"
HEAD = "kind: talk\nmentor: T001\nstudent: S250001\ndate: 2025-10-13\nareas: [study]\n"
KINDS = (
    "case-analysis, case-meeting, colleague-follow-up, crisis-follow-up, crisis-report, "
    "family-meeting, group-activity, growth-message, help-plan, home-visit, optional-action, "
    "parent-contact, progress, student-report, talk, training, work-plan"
)
F014 = "含义不明确：是/否请写 true/false，文字或带前导零的编号请加引号"
LAYOUT_HINT = "F016 不属于记录仓库结构的文件（见 docs/records.md）："
CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


CHANGE = "  - mentor: T003\n    students: [S250003]\n    start: {start}\n    end: {end}\n"
DATED = "  - mentor: {mentor}\n    students: [S250003]\n    {dates}\n"


def talk(extra: str = "", *, head: str = HEAD, body: str = "谈心。\n") -> str:
    """A talk record for S250001 on 2025-10-13; ``extra`` lines start at line 7."""
    return f"---\n{head}{extra}---\n{body}"


def minimal(rel: str, old: str, new: str) -> str:
    """A file of the minimal tree with one change."""
    text = MINIMAL[rel]
    assert old in text, (rel, old)
    return text.replace(old, new, 1)


def problem_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if re.match(r".+:\d+:\d+: [FRXM]\d{3} ", line)]


@dataclass
class Case:
    """Files to write (and remove), and one exact line expected, relative to the root."""

    expected: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    today: str = TODAY

    @property
    def code(self) -> str:
        return self.expected.split(": ", 1)[1][:4]


def run(school: School, case: Case) -> tuple[int, list[str]]:
    for rel, content in case.files.items():
        school.write(rel, content)
    for rel in case.remove:
        school.remove(rel)
    return school.validate(*case.args, today=case.today)


def assert_reported(school: School, case: Case) -> list[str]:
    code, lines = run(school, case)
    assert f"{school.root}/{case.expected}" in lines, "\n".join(lines)
    path = case.expected.split(":", 1)[0]
    fact = is_fact(Problem(Location(path), case.code, ""))  # shown as a note, exit code 0
    assert code == (0 if fact else 1)
    return lines


# --- the minimal tree ----------------------------------------------------------------


def test_minimal_tree_is_valid(school: School) -> None:
    code, lines = school.validate()
    assert lines == [SUMMARY_OK, "没有发现问题。"]
    assert code == 0


def test_minimal_tree_is_valid_in_english(school: School) -> None:
    code, lines = school.validate("--lang", "en")
    assert lines[-1] == "No problems found."
    assert code == 0


# --- F: the file's bytes and YAML ------------------------------------------------------

F_CASES = [
    pytest.param(
        Case(
            f"{TALK2}:9:1: F002 不是 UTF-8 编码（文件第 92 个字节），请用 UTF-8 保存",
            {TALK2: talk().encode() + b"\xff\n"},
        ),
        id="F002-not-utf8-in-body",
    ),
    pytest.param(
        Case(
            "school.yaml:2:7: F002 不是 UTF-8 编码（文件第 23 个字节），请用 UTF-8 保存",
            {"school.yaml": b"id: test-school\nname: \xb2\xe2\xca\xd4\xd6\xd0\xd1\xa7\n"},
        ),
        id="F002-gbk-data-file",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:7: F005 YAML 中不能使用制表符（Tab），请改用空格",
            {TALK2: talk("place:\t办公室\n")},
        ),
        id="F005-tab",
    ),
    pytest.param(
        Case(
            "school.yaml:7:3: F005 YAML 中不能使用制表符（Tab），请改用空格",
            {"school.yaml": MINIMAL["school.yaml"] + "  \tx: 1\n"},
        ),
        id="F005-tab-indent",
    ),
    pytest.param(Case(f"{TALK2}:1:1: F006 文件是空的", {TALK2: ""}), id="F006-empty"),
    pytest.param(
        Case("school.yaml:1:1: F006 文件是空的", {"school.yaml": "\n  \n\n"}), id="F006-blank"
    ),
    pytest.param(
        Case(
            f"{TALK2}:1:1: F007 文件过大（1200081 字节，上限 1048576），未读取",
            {TALK2: talk(body="字" * 400_000)},
        ),
        id="F007-over-1MiB",
    ),
    pytest.param(
        Case(
            f"{TALK2}:1:1: F007 文件过大（5000000 字节，上限 1048576），未读取",
            {TALK2: b"-" * 5_000_000},
        ),
        id="F007-not-even-read",
    ),
    pytest.param(
        Case(
            f"{TALK2}:1:1: F008 记录文件必须以一行 --- 开头（YAML 头部）",
            {TALK2: HEAD + "---\n谈心。\n"},
        ),
        id="F008-no-front-matter",
    ),
    pytest.param(
        Case(f"{TALK2}:1:1: F009 YAML 头部缺少结尾的 --- 行", {TALK2: "---\n" + HEAD + "谈心。\n"}),
        id="F009-no-closing-line",
    ),
    pytest.param(
        Case(
            f"{TALK2}:8:1: F010 YAML 语法错误：while parsing a flow sequence did not find "
            "expected ',' or ']'",
            {TALK2: talk("place: [a, b\n")},
        ),
        id="F010-flow",
    ),
    pytest.param(
        Case(
            "school.yaml:7:1: F010 YAML 语法错误：expected a single document in the stream "
            "but found another document",
            {"school.yaml": MINIMAL["school.yaml"] + "---\nid: other\n"},
        ),
        id="F010-two-documents",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:8: F011 不允许使用 YAML 标签 tag:yaml.org,2002:python/object:os.system",
            {TALK2: talk("place: !!python/object:os.system [ls]\n")},
        ),
        id="F011-python-object",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:8: F011 不允许使用 YAML 标签 tag:yaml.org,2002:str",
            {TALK2: talk("place: !!str 12\n")},
        ),
        id="F011-str-tag",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:8: F011 不允许使用 YAML 标签 !secret", {TALK2: talk("place: !secret x\n")}
        ),
        id="F011-local-tag",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:8: F012 不允许使用 YAML 锚点和别名（&、*）",
            {TALK2: talk("place: &p 办公室\nfollow_up: *p\n")},
        ),
        id="F012-alias",
    ),
    pytest.param(
        Case(f"{TALK2}:7:1: F013 重复的键“areas”（第 6 行已有）", {TALK2: talk("areas: [life]\n")}),
        id="F013-duplicate-key",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:1: F013 重复的键“areas”（第 6 行已有）", {TALK2: talk("'areas': [life]\n")}
        ),
        id="F013-quoted-duplicate",
    ),
    pytest.param(
        Case(
            "people/teachers.yaml:4:5: F013 重复的键“name”（第 3 行已有）",
            {TEACHERS: minimal(TEACHERS, "    email: t001", "    name: 张三\n    email: t001")},
        ),
        id="F013-nested",
    ),
    pytest.param(
        Case(
            f"{TALK2}:2:1: F015 文件顶层必须是“键: 值”形式的映射",
            {TALK2: "---\n- kind: talk\n---\n谈心。\n"},
        ),
        id="F015-list",
    ),
    pytest.param(
        Case(
            "school.yaml:1:1: F015 文件顶层必须是“键: 值”形式的映射", {"school.yaml": "测试中学\n"}
        ),
        id="F015-scalar",
    ),
    pytest.param(
        Case(f"notes.txt:1:1: {LAYOUT_HINT}请移走或改名", {"notes.txt": "x\n"}),
        id="F016-outside-layout",
    ),
    pytest.param(
        Case(
            f"people/T001.yaml:1:1: {LAYOUT_HINT}请移走或改名", {"people/T001.yaml": "id: T001\n"}
        ),
        id="F016-unknown-data-file",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/S250001/talk.md:1:1: {LAYOUT_HINT}记录应放在 "
            "journal/<工号>/<学号、group 或 self>/YYYY-MM-DD-<种类>.md",
            {f"{SEMESTER}/journal/T001/S250001/talk.md": talk()},
        ),
        id="F016-bad-record-name",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/2025-10-13-talk.md:1:1: {LAYOUT_HINT}记录应放在 "
            "journal/<工号>/<学号、group 或 self>/YYYY-MM-DD-<种类>.md",
            {f"{SEMESTER}/journal/T001/2025-10-13-talk.md": talk()},
        ),
        id="F016-record-without-student-folder",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:20: F017 嵌套超过 12 层",
            {TALK2: talk("place: " + "[" * 20 + "]" * 20 + "\n")},
        ),
        id="F017-flow",
    ),
    pytest.param(
        Case(
            "school.yaml:20:27: F017 嵌套超过 12 层",
            {
                "school.yaml": MINIMAL["school.yaml"]
                + "x:\n"
                + "".join("  " * i + f"k{i}:\n" for i in range(1, 20))
                + "  " * 20
                + "v\n"
            },
        ),
        id="F017-block",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:10: F018 不可见的控制字符或特殊换行符 U+2028，请删除",
            {TALK2: talk("place: 操场\u2028\n")},
        ),
        id="F018-line-separator",
    ),
    pytest.param(
        Case(
            f"{TALK2}:9:3: F018 不可见的控制字符或特殊换行符 U+0000，请删除",
            {TALK2: talk() + "正文\x00\n"},
        ),
        id="F018-nul-in-body",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:16: F018 不可见的控制字符或特殊换行符 U+202E，请删除",
            {TALK2: talk("follow_up: 下周再谈\u202e\n")},
        ),
        id="F018-right-to-left-override",
    ),
    pytest.param(
        Case(
            f"{TALK2}:1:1: F019 文件是 UTF-16 编码（记事本的“Unicode”），请另存为 UTF-8",
            {TALK2: talk().encode("utf-16")},
        ),
        id="F019-utf16",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:1: F020 YAML 头部要以 --- 行结束，这里写的是 ...",
            {TALK2: talk().replace("\n---\n", "\n...\n")},
        ),
        id="F020-closed-by-dots",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:14: F021 引号中的转义 \\e 写出了不可见或无效的字符 U+001B，请删除",
            {TALK2: talk('follow_up: "红\\e[31m色"\n')},
        ),
        id="F021-ansi-escape",
    ),
]

YAML11 = [
    ("no", "no"),
    ("yes", "yes"),
    ("on", "on"),
    ("Off", "Off"),
    ("0123", "0123"),
    ("1_000", "1_000"),
    ("1:20", "1:20"),
    ("12:30:45", "12:30:45"),
    ("y", "y"),
]


@pytest.mark.parametrize("case", F_CASES)
def test_file_problems(school: School, case: Case) -> None:
    assert_reported(school, case)


@pytest.mark.parametrize(("written", "shown"), YAML11)
def test_yaml11_surprises_are_f014(school: School, written: str, shown: str) -> None:
    assert_reported(
        school, Case(f"{TALK2}:7:8: F014 “{shown}”{F014}", {TALK2: talk(f"place: {written}\n")})
    )


def test_yaml11_surprises_in_a_data_file(school: School) -> None:
    school.write(
        COHORT,
        minimal(COHORT, "    name: 学生甲\n", "    name: 学生甲\n    gender: no\n").replace(
            "  - id: S250002", "  - id: 0042"
        ),
    )
    code, lines = school.validate()
    assert problem_lines(lines)[:2] == [
        f"{school.root}/{COHORT}:8:13: F014 “no”{F014}",
        f"{school.root}/{COHORT}:10:9: F014 “0042”{F014}",
    ]
    assert code == 1


def test_yaml11_surprise_in_a_flow_list(school: School) -> None:
    assert_reported(
        school,
        Case(
            f"{TALK2}:6:16: F014 “on”{F014}",
            {TALK2: talk(head=HEAD.replace("[study]", "[study, on]"))},
        ),
    )


def test_alias_bomb_is_not_expanded(school: School) -> None:
    """Billion laughs: nine levels of nine aliases each would be 9**9 nodes if expanded."""
    levels = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for i in range(1, 9):
        levels.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n")
    start = time.monotonic()
    code, lines = run(school, Case("", {TALK2: "---\n" + "".join(levels) + "---\n谈心。\n"}))
    assert time.monotonic() - start < 10
    assert code == 1
    assert f"{school.root}/{TALK2}:2:7: F012 不允许使用 YAML 锚点和别名（&、*）" in lines
    assert len(lines) < 200  # one problem per alias at most, nothing expanded


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("[" * 100_000, id="flow-list-unclosed"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="flow-list-closed"),
        pytest.param("{a: " * 100_000, id="flow-mapping"),
        pytest.param("\n  " + "- " * 100_000 + "x", id="block-list"),
    ],
)
def test_100000_deep_nest_does_not_crash(school: School, value: str) -> None:
    start = time.monotonic()
    code, lines = run(school, Case("", {TALK2: f"---\nplace: {value}\n---\n谈心。\n"}))
    assert time.monotonic() - start < 20
    assert code == 1
    found = [line for line in lines if line.startswith(f"{school.root}/{TALK2}:")]
    assert found and all(re.search(r": (F010|F017) ", line) for line in found), found


def test_deep_flow_nest_is_f017_before_libyaml_reads_it(school: School) -> None:
    """PyYAML before 6.0.4 (libyaml 0.2.5) segfaults on it: daoshi stops at 1,000 levels."""
    assert_reported(
        school,
        Case(
            f"{TALK2}:2:1008: F017 嵌套超过 1000 层",
            {TALK2: "---\nplace: " + "[" * 100_000 + "\n---\n谈心。\n"},
        ),
    )


def test_bad_bytes_after_a_bom_count_the_bom(school: School) -> None:
    code, lines = run(school, Case("", {TALK2: b"\xef\xbb\xbf" + talk().encode() + b"\xc0\n"}))
    assert problem_lines(lines) == [
        f"{school.root}/{TALK2}:9:1: F002 不是 UTF-8 编码（文件第 95 个字节），请用 UTF-8 保存",
    ]
    assert code == 1


def test_crlf_is_accepted_and_the_tab_located(school: School) -> None:
    _, lines = run(school, Case("", {TALK2: talk("place: x\r\nminutes:\t5\n")}))
    assert problem_lines(lines) == [
        f"{school.root}/{TALK2}:8:9: F005 YAML 中不能使用制表符（Tab），请改用空格",
    ]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode(), id="bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda text: text.replace("\n", "\r").encode(), id="old-mac-cr"),
        pytest.param(
            lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n", 3).encode(), id="mixed"
        ),
    ],
)
def test_files_from_windows_editors_are_accepted(school: School, make: Any) -> None:
    """What Notepad and office tools write: read as the editor shows it."""
    school.write(TALK2, make(talk()))
    code, lines = school.validate()
    assert code == 0, lines
    assert lines[-1] == "没有发现问题。"


@pytest.mark.parametrize("make", ["dangling-symlink", "fifo"])
def test_special_files_are_reported_not_read(school: School, make: str) -> None:
    target = school.root / "extra.yaml"
    if make == "fifo":
        os.mkfifo(target)  # reading it would block forever
    else:
        os.symlink(school.root / "gone.yaml", target)
    assert_reported(school, Case(f"extra.yaml:1:1: {LAYOUT_HINT}不能是符号链接或特殊文件"))


def test_f001_removed_between_discovery_and_reading(school: School) -> None:
    """F001 through the real reader: the file was found, then vanished before reading.

    The CLI offers no honest way to make a listed file unreadable when the tests run as
    root (chmod 000 does not stop root), so this calls ``read_and_check`` directly.
    """
    forms = load_forms(school.root)
    size = (school.root / TALK).stat().st_size
    school.remove(TALK)
    raw, checked = read_and_check(str(school.root), TALK, RECORD, size, forms)
    assert raw is None
    assert checked.problems == [
        Problem(Location(TALK), "F001", "无法读取文件：No such file or directory")
    ]
    assert checked.problems[0].format(str(school.root)) == (
        f"{school.root}/{TALK}:1:1: F001 无法读取文件：No such file or directory"
    )


def _without_root_s_reading_rights() -> list[str]:
    """The command prefix that takes root's right to read any file away (CI runs as root):
    ``setpriv`` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so the
    command, though uid 0, reads only what a file's mode allows. Empty for other users."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")  # util-linux, on every Debian
    assert setpriv is not None, "setpriv (util-linux) is needed to run this test as root"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_f001_unreadable_file(school: School) -> None:
    """A file its reader may not open, through the real command in its own process."""
    (school.root / TALK).chmod(0)
    done = subprocess.run(
        [
            *_without_root_s_reading_rights(),
            *(sys.executable, "-m", "daoshi", "validate", str(school.root)),
            *("--today", TODAY, "--no-cache"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"{school.root}/{TALK}:1:1: F001 无法读取文件：Permission denied"
    )
    assert "Traceback" not in done.stderr


# --- R: one file against its form --------------------------------------------------------

R_CASES = [
    pytest.param(
        Case(
            f"{TALK2}:7:1: R101 未知字段“mood”（谈话记录没有这个字段）",
            {TALK2: talk("mood: good\n")},
        ),
        id="R101-record",
    ),
    pytest.param(
        Case(
            "school.yaml:7:1: R101 未知字段“motto”（学校没有这个字段）",
            {"school.yaml": MINIMAL["school.yaml"] + "motto: 立德树人\n"},
        ),
        id="R101-data-file",
    ),
    pytest.param(
        Case(
            f"{COHORT}:9:5: R101 未知字段“phone”（学生没有这个字段）",
            {
                COHORT: minimal(
                    COHORT, "    class: C2025-01\n", "    class: C2025-01\n    phone: x\n"
                )
            },
        ),
        id="R101-nested",
    ),
    pytest.param(
        Case(
            f"{TALK2}:2:1: R102 缺少必填字段“指导方面”（areas）",
            {TALK2: talk(head=HEAD.replace("areas: [study]\n", ""))},
        ),
        id="R102-missing",
    ),
    pytest.param(
        Case(
            f"{TALK2}:6:7: R102 缺少必填字段“指导方面”（areas）",
            {TALK2: talk(head=HEAD.replace("areas: [study]\n", "areas:\n"))},
        ),
        id="R102-empty",
    ),
    pytest.param(
        Case(f"{TALK2}:2:1: R102 缺少必填字段“日期”（date）", {TALK2: "---\n---\n谈心。\n"}),
        id="R102-empty-front-matter-names-every-field",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:10: R103 “时长（分钟）”应为整数，实际是文字“twenty”",
            {TALK2: talk("minutes: twenty\n")},
        ),
        id="R103-text-for-integer",
    ),
    pytest.param(
        Case(f"{TALK2}:7:8: R103 “地点”应为文字，实际是true/false", {TALK2: talk("place: true\n")}),
        id="R103-bool-for-text",
    ),
    pytest.param(
        Case(
            f"{TALK2}:6:8: R103 “指导方面”应为列表，实际是文字“study”",
            {TALK2: talk(head=HEAD.replace("[study]", "study"))},
        ),
        id="R103-scalar-for-list",
    ),
    pytest.param(
        Case(
            f"{TALK2}:3:9: R103 “导师”应为编号（文字），实际是整数 1",
            {TALK2: talk(head=HEAD.replace("mentor: T001", "mentor: 1"))},
        ),
        id="R103-int-for-ref",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:11: R104 “谈话时机”的值“birthday”不在允许范围内：routine (日常谈心), "
            "exam (重大考试前后), family_change (家庭变故), mood (情绪波动), "
            "achievement (取得成绩), other (其他)",
            {TALK2: talk("occasion: birthday\n")},
        ),
        id="R104-enum",
    ),
    pytest.param(
        Case(
            f"{TALK2}:5:7: R105 “日期”日期格式错误“2025/10/13”，应写成 2025-10-12",
            {TALK2: talk(head=HEAD.replace("2025-10-13", "2025/10/13"))},
        ),
        id="R105-slashes",
    ),
    pytest.param(
        Case(
            f"{TALK2}:5:7: R105 “日期”日期格式错误“2025-10-1”，应写成 2025-10-12",
            {TALK2: talk(head=HEAD.replace("2025-10-13", "2025-10-1"))},
        ),
        id="R105-short",
    ),
    pytest.param(
        Case(
            f"{TALK2}:5:7: R106 “日期”日期不存在：2025-02-30",
            {TALK2: talk(head=HEAD.replace("2025-10-13", "2025-02-30"))},
        ),
        id="R106",
    ),
    pytest.param(
        Case(f"{TALK2}:7:10: R107 “时长（分钟）”不能大于 600", {TALK2: talk("minutes: 601\n")}),
        id="R107-max",
    ),
    pytest.param(
        Case(f"{TALK2}:7:10: R107 “时长（分钟）”不能小于 1", {TALK2: talk("minutes: 0\n")}),
        id="R107-min",
    ),
    pytest.param(
        Case(
            f"{TALK2}:6:8: R107 “指导方面”至少需要 1 项",
            {TALK2: talk(head=HEAD.replace("[study]", "[]"))},
        ),
        id="R107-min-items",
    ),
    pytest.param(
        Case(f"{TALK2}:7:8: R107 “地点”最长 50 个字", {TALK2: talk("place: " + "操" * 51 + "\n")}),
        id="R107-max-length",
    ),
    pytest.param(
        Case(
            "people/teachers.yaml:10:12: R108 “邮箱”格式不符合要求（^[^@\\s]+@[^@\\s]+$）",
            {TEACHERS: minimal(TEACHERS, "t003@example.edu.cn", "t003-example")},
        ),
        id="R108-email",
    ),
    pytest.param(
        Case(
            f"{TALK2}:3:9: R108 “导师”格式不符合要求（[A-Za-z0-9][A-Za-z0-9_-]*\\Z）",
            {TALK2: talk(head=HEAD.replace("T001", "'T 001'"))},
        ),
        id="R108-id",
    ),
    pytest.param(
        Case(
            "semesters/2025-2026-1/semester.yaml:1:5: R108 “学期代号”格式不符合要求"
            "（^\\d{4}-\\d{4}-[12]$）",
            {SEMESTER_FILE: minimal(SEMESTER_FILE, "id: 2025-2026-1", "id: 2025-2026-3")},
        ),
        id="R108-semester-id",
    ),
    pytest.param(
        Case(f"{TALK2}:8:1: R109 正文“谈话内容”不能为空", {TALK2: talk(body="\n  \n")}),
        id="R109-blank-body",
    ),
    pytest.param(
        Case(f"{TALK2}:8:1: R109 正文“谈话内容”不能为空", {TALK2: talk(body="")}), id="R109-no-body"
    ),
    pytest.param(
        Case(
            f"{TALK2}:2:7: R110 未知的记录种类“chat”，可用：{KINDS}",
            {TALK2: talk(head=HEAD.replace("kind: talk", "kind: chat"))},
        ),
        id="R110-kind",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/S250001/2025-10-13-chat.md:2:7: R110 未知的记录种类“chat”，"
            f"可用：{KINDS}",
            {
                f"{SEMESTER}/journal/T001/S250001/2025-10-13-chat.md": talk(
                    head=HEAD.replace("kind: talk", "kind: chat")
                )
            },
        ),
        id="R110-kind-and-path",
    ),
    pytest.param(
        Case(f"{TALK2}:7:1: R111 键必须是简单的文字", {TALK2: talk("[a, b]: c\n")}),
        id="R111-flow-key",
    ),
    pytest.param(
        Case(f"{TALK2}:7:3: R111 键必须是简单的文字", {TALK2: talk("? {a: 1}\n: c\n")}),
        id="R111-complex-key",
    ),
    pytest.param(
        Case(
            f"{COHORT}:18:9: R112 “学号”不能用“aux”：Windows 的设备名，不能作文件名",
            {COHORT: MINIMAL[COHORT] + "  - id: aux\n    name: 学生戊\n    class: C2025-01\n"},
        ),
        id="R112-windows-device-name",
    ),
    pytest.param(
        Case(
            f"{TEACHERS}:12:9: R112 “工号”不能用“leader”：网站或记录目录已用这个名字",
            {TEACHERS: MINIMAL[TEACHERS] + "  - id: leader\n    name: 赵老师\n"},
        ),
        id="R112-site-name",
    ),
    pytest.param(
        Case(
            f"{COHORT}:18:9: R113 “学号”太长（65 个字符，最多 64 个）：编号会成为文件名和网址",
            {COHORT: MINIMAL[COHORT] + f"  - id: {'S' * 65}\n    name: 戊\n    class: C2025-01\n"},
        ),
        id="R113-long-id",
    ),
]


@pytest.mark.parametrize("case", R_CASES)
def test_form_problems(school: School, case: Case) -> None:
    assert_reported(school, case)


# --- X: rules across files ------------------------------------------------------------

MORE_STUDENTS = "".join(
    f"  - id: S2500{i:02d}\n    name: 学生{i}\n    class: C2025-01\n" for i in range(5, 19)
)
MORE_IDS = ", ".join(f"S2500{i:02d}" for i in range(5, 19))
COHORT_2024 = """\
cohort: 2024
classes:
  - id: C2024-01
    number: 1
students:
  - id: S240001
    name: 学生戊
    class: C2025-01
"""
TINY_POLICY = """\
id: tiny
label: {zh: 小班, en: Tiny}
help: 每位导师最多一名学生。
ratio_cap: 1
obligations: []
"""

X_CASES = [
    pytest.param(
        Case(
            f"{TALK2}:4:10: X201 未知的学生学号“S259999”",
            {TALK2: talk(head=HEAD.replace("S250001", "S259999"))},
        ),
        id="X201-record",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:4:34: X201 未知的学生学号“S259999”",
            {PAIRINGS: minimal(PAIRINGS, "S250002]", "S250002, S259999]")},
        ),
        id="X201-pairings",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:6:13: X202 未知的教师工号“T999”",
            {PAIRINGS: minimal(PAIRINGS, "mentor: T002", "mentor: T999")},
        ),
        id="X202",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:5:12: X203 未知的班级“C2025-09”",
            {SEMESTER_FILE: minimal(SEMESTER_FILE, "class: C2025-01", "class: C2025-09")},
        ),
        id="X203",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:1:11: X204 未知的学期“2030-2031-1”",
            {PAIRINGS: minimal(PAIRINGS, "semester: 2025-2026-1", "semester: 2030-2031-1")},
        ),
        id="X204",
    ),
    pytest.param(
        Case(
            "school.yaml:5:22: X205 未知的政策“nowhere”，"
            "可用：district, qingpu-exp, taigu, zaozhuang",
            {"school.yaml": minimal("school.yaml", "[district]", "[district, nowhere]")},
        ),
        id="X205",
    ),
    pytest.param(
        Case(
            f"{TEACHERS}:8:9: X206 重复的工号“T002”（people/teachers.yaml:5:9 已使用）",
            {TEACHERS: minimal(TEACHERS, "id: T003", "id: T002")},
        ),
        id="X206-teacher",
    ),
    pytest.param(
        Case(
            f"{COHORT}:6:9: X206 重复的学号“S250001”（people/cohorts/2024.yaml:6:9 已使用）",
            {"people/cohorts/2024.yaml": COHORT_2024.replace("S240001", "S250001")},
        ),
        id="X206-student-across-files",
    ),
    pytest.param(
        Case(
            f"{COHORT}:18:9: X224 学号“s250001”与“S250001”（people/cohorts/2025.yaml:6:9）"
            "只差大小写：在 Windows 和 macOS 上是同一个文件名",
            {COHORT: MINIMAL[COHORT] + "  - id: s250001\n    name: 学生戊\n    class: C2025-01\n"},
        ),
        id="X224-case-only",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/S250001/2026-03-01-talk.md:5:7: "
            "X207 日期 2026-03-01 不在学期 "
            "2025-2026-1（2025-09-01 至 2026-01-20）内",
            {
                f"{SEMESTER}/journal/T001/S250001/2026-03-01-talk.md": talk(
                    head=HEAD.replace("2025-10-13", "2026-03-01")
                )
            },
        ),
        id="X207",
    ),
    pytest.param(
        Case(
            f"{TALK2}:5:7: X208 日期 2025-10-13 晚于今天（2025-10-12）",
            {TALK2: talk()},
            today="2025-10-12",
        ),
        id="X208",
    ),
    pytest.param(
        Case(
            f"{TALK2}:8:20: X208 日期 2025-10-14 晚于今天（2025-10-13）",
            {TALK2: talk("student_signed: sheet\nstudent_signed_on: 2025-10-14\n")},
            today="2025-10-13",
        ),
        id="X208-student-signed-on",
    ),
    pytest.param(
        Case(
            f"{TALK2}:8:20: X230 学生签字日期 2025-10-12 早于谈话日期 2025-10-13",
            {TALK2: talk("student_signed: sheet\nstudent_signed_on: 2025-10-12\n")},
        ),
        id="X230",
    ),
    pytest.param(
        Case(
            f"{TALK2}:7:17: X231 被谈话人签字要同时写明方式（student_signed）"
            "和日期（student_signed_on）",
            {TALK2: talk("student_signed: in_person\n")},
        ),
        id="X231",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/S250003/2025-10-13-talk.md:4:10: X209 学生 S250003 "
            "不是导师 T001 在 2025-2026-1 学期的受导学生",
            {
                f"{SEMESTER}/journal/T001/S250003/2025-10-13-talk.md": talk(
                    head=HEAD.replace("S250001", "S250003")
                )
            },
        ),
        id="X209",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:7:15: X210 导师 T002 有 16 名受导学生，超过政策上限 15",
            {
                COHORT: MINIMAL[COHORT] + MORE_STUDENTS,
                PAIRINGS: minimal(PAIRINGS, "S250004]", f"S250004, {MORE_IDS}]"),
            },
        ),
        id="X210-district-cap",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:4:15: X210 导师 T001 有 2 名受导学生，超过政策上限 1",
            {
                "forms/policies/tiny.yaml": TINY_POLICY,
                "school.yaml": minimal("school.yaml", "[district]", "[tiny]"),
            },
        ),
        id="X210-school-policy",
    ),
    pytest.param(
        Case(
            f"{COHORT}:15:9: X211 学生 S250004 在 2025-2026-1 学期没有导师",
            {PAIRINGS: minimal(PAIRINGS, "[S250003, S250004]", "[S250003]")},
        ),
        id="X211",
    ),
    pytest.param(
        Case(
            f"{TALK2}:3:9: X212 文件名与内容不一致：mentor 在路径中是“T001”，文件中是“T002”",
            {TALK2: talk(head=HEAD.replace("mentor: T001", "mentor: T002"))},
        ),
        id="X212-mentor",
    ),
    pytest.param(
        Case(
            f"{TALK2}:5:7: X212 文件名与内容不一致："
            "date 在路径中是“2025-10-13”，文件中是“2025-10-14”",
            {TALK2: talk(head=HEAD.replace("2025-10-13", "2025-10-14"))},
        ),
        id="X212-date",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/S250001/2025-10-13-home-visit.md:2:7: "
            "X212 文件名与内容不一致："
            "kind 在路径中是“home-visit”，文件中是“talk”",
            {f"{SEMESTER}/journal/T001/S250001/2025-10-13-home-visit.md": talk()},
        ),
        id="X212-kind",
    ),
    pytest.param(
        Case(
            "people/cohorts/2024.yaml:1:9: X212 文件名与内容不一致："
            "cohort 在路径中是“2024”，文件中是“2025”",
            {"people/cohorts/2024.yaml": MINIMAL[COHORT]},
            remove=(COHORT,),
        ),
        id="X212-cohort",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:3:6: X213 学期日期有误：结束日期 2025-08-01 早于开学日期 2025-09-01",
            {SEMESTER_FILE: minimal(SEMESTER_FILE, "end: 2026-01-20", "end: 2025-08-01")},
        ),
        id="X213-end-before-start",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:2:8: X213 学期日期有误：学期 2025-2026-1 应在 2025 年开学，"
            "且学年的两个年份应相邻",
            {SEMESTER_FILE: minimal(SEMESTER_FILE, "start: 2025-09-01", "start: 2024-09-01")},
        ),
        id="X213-wrong-year",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:5:18: X214 重点帮扶对象 S250003 不在导师 T001 的受导学生中",
            {PAIRINGS: minimal(PAIRINGS, "key_student: S250001", "key_student: S250003")},
        ),
        id="X214",
    ),
    pytest.param(
        Case(
            "people/cohorts/2024.yaml:8:12: X215 班级 C2025-01 不属于 2024 级",
            {"people/cohorts/2024.yaml": COHORT_2024},
        ),
        id="X215",
    ),
    pytest.param(
        Case(f"{PAIRINGS}:1:1: X216 缺少必需的文件 {PAIRINGS}", remove=(PAIRINGS,)),
        id="X216-pairings",
    ),
    pytest.param(
        Case("school.yaml:1:1: X216 缺少必需的文件 school.yaml", remove=("school.yaml",)),
        id="X216-school",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:4:34: X217 “S250001”在同一列表中出现了两次",
            {PAIRINGS: minimal(PAIRINGS, "S250002]", "S250002, S250001]")},
        ),
        id="X217-student",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:8:13: X217 “T001”在同一列表中出现了两次",
            {PAIRINGS: MINIMAL[PAIRINGS] + "  - mentor: T001\n    students: [S250003]\n"},
        ),
        id="X217-mentor",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:7:25: X218 学生 S250004 在 2025-2026-1 学期不在校（已于 2025-07-01 离校）",
            {
                COHORT: minimal(
                    COHORT,
                    "    name: 学生丁\n",
                    "    name: 学生丁\n    left: {date: 2025-07-01, reason: transferred}\n",
                )
            },
        ),
        id="X218-left",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:4:16: X218 学生 S250001 在 2025-2026-1 学期不在校"
            "（班级 C2025-01 不在本学期的在校班级中）",
            {
                "people/cohorts/2024.yaml": COHORT_2024.replace(
                    "    class: C2025-01", "    class: C2024-01"
                ),
                SEMESTER_FILE: minimal(SEMESTER_FILE, "class: C2025-01", "class: C2024-01"),
            },
        ),
        id="X218-class-not-at-school",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:11:10: X219 对接的结束日期 2025-11-10 早于开始日期 2025-11-11",
            {PAIRINGS: MINIMAL[PAIRINGS] + CHANGE.format(start="2025-11-11", end="2025-11-10")},
        ),
        id="X219",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:10:12: X207 日期 2025-08-20 不在学期 "
            "2025-2026-1（2025-09-01 至 2026-01-20）内",
            {PAIRINGS: MINIMAL[PAIRINGS] + CHANGE.format(start="2025-08-20", end="2025-11-10")},
        ),
        id="X207-pairing-start",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T003/S250003/2025-10-13-talk.md:5:7: X220 学生 S250003 "
            "在 2025-10-13 不是导师 T003 的受导学生"
            "（对接期间：2025-11-11 至 2026-01-20）",
            {
                PAIRINGS: MINIMAL[PAIRINGS].replace("[S250003, S250004]", "[S250004]")
                + DATED.format(mentor="T002", dates="end: 2025-11-10")
                + DATED.format(mentor="T003", dates="start: 2025-11-11"),
                TALK2.replace("T001/S250001", "T003/S250003"): talk(
                    head=HEAD.replace("T001", "T003").replace("S250001", "S250003")
                ),
            },
        ),
        id="X220-before-the-change",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T002/S250003/2025-12-01-talk.md:5:7: X220 学生 S250003 "
            "在 2025-12-01 不是导师 T002 的受导学生（对接期间：2025-09-01 至 2025-11-10）",
            {
                PAIRINGS: MINIMAL[PAIRINGS].replace("[S250003, S250004]", "[S250004]")
                + DATED.format(mentor="T002", dates="end: 2025-11-10")
                + DATED.format(mentor="T003", dates="start: 2025-11-11"),
                f"{SEMESTER}/journal/T002/S250003/2025-12-01-talk.md": talk(
                    head=HEAD.replace("T001", "T002")
                    .replace("S250001", "S250003")
                    .replace("2025-10-13", "2025-12-01")
                ),
            },
        ),
        id="X220-after-the-change",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:9:16: X217 “S250003”在同一列表中出现了两次",
            {PAIRINGS: MINIMAL[PAIRINGS] + DATED.format(mentor="T002", dates="end: 2025-11-10")},
        ),
        id="X217-overlapping-dates",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:11:15: X210 导师 T003 有 2 名受导学生，超过政策上限 1",
            {
                "forms/policies/tiny.yaml": TINY_POLICY,
                "school.yaml": minimal("school.yaml", "[district]", "[tiny]"),
                PAIRINGS: "semester: 2025-2026-1\npairings:\n"
                "  - mentor: T001\n    students: [S250001]\n"
                "  - mentor: T002\n    students: [S250002]\n"
                "  - mentor: T003\n    students: [S250003]\n    end: 2025-11-10\n"
                "  - mentor: T003\n    students: [S250004]\n    start: 2025-11-10\n",
            },
        ),
        id="X210-concurrent",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:3:3: X221 学生 S250003 在 2025-11-11 至 2025-11-30 没有导师"
            "（对接表中的起止日期之间有空档）",
            {
                PAIRINGS: MINIMAL[PAIRINGS].replace("[S250003, S250004]", "[S250004]")
                + DATED.format(mentor="T002", dates="end: 2025-11-10")
                + DATED.format(mentor="T003", dates="start: 2025-12-01"),
            },
        ),
        id="X221",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:3:3: X225 教师 T003 在 2025-2026-1 学期没有受导学生"
            "（政策 district：“教师人人是导师”）",
            {TEACHERS: minimal(TEACHERS, "    not_mentor: 新入职，参加导师培训中\n", "")},
        ),
        id="X225",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:6:13: X226 导师 T002 在 2025-2026-1 学期没有重点帮扶对象"
            "（政策 qingpu-exp：“1+X”）",
            {"school.yaml": minimal("school.yaml", "[district]", "[qingpu-exp]")},
        ),
        id="X226",
    ),
    pytest.param(
        Case(
            f"{PROGRESS}:8:13: X235 本校不按考试成绩排名（学校设置中“允许按考试排名”为否），"
            "不能记“班级名次”：请改记“成绩区间”（区文件：“不得对考试、测验成绩进行排名，"
            "可采用百分比区间等形式”）",
            {PROGRESS: PROGRESS_HEAD + "exam: 期中考试\nclass_rank: 3\n---\n"},
        ),
        id="X235",
    ),
    pytest.param(
        Case(
            f"{PROGRESS}:7:7: X236 考试名称和考试成绩要一起写：写了考试就写成绩区间，"
            "写了成绩就写是哪次考试",
            {PROGRESS: PROGRESS_HEAD + "band: p0_10\n---\n"},
        ),
        id="X236",
    ),
    pytest.param(
        Case(
            f"{FOLLOW_UP}:6:20: X237 沟通的教师 T001 是写这份记录的导师本人："
            "请写与之沟通的班主任或科任教师",
            {
                FOLLOW_UP: "---\nkind: colleague-follow-up\nmentor: T001\nstudent: S250001\n"
                "date: 2025-10-13\ncolleagues: [T002, T001]\n---\n班主任说作业按时交了。\n"
            },
        ),
        id="X237",
    ),
    pytest.param(
        Case(
            f"{CONTACT}:7:10: X238 2025-10-13 不是本学期的家长接待日"
            "（学期日程中的接待日：无）：请改选其他联系方式，或请管理员在学期日程中加上这一天",
            {
                CONTACT: "---\nkind: parent-contact\nmentor: T001\nstudent: S250001\n"
                "date: 2025-10-13\nrelation: mother\nchannel: reception_day\n---\n来校面谈。\n"
            },
        ),
        id="X238",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/screening.yaml:5:18: X245 提名人 T002 不是学生 S250002 在 2025-2026-1 "
            "学期的班主任（T001）：排查名单由班主任提名",
            {
                f"{SEMESTER}/screening.yaml": "semester: 2025-2026-1\nstudents:\n"
                "  - student: S250002\n    categories: [learning]\n"
                "    proposed_by: T002\n    decided: true\n"
            },
        ),
        id="X245",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:6:14: X246 双向选中的学生 S250003 不在导师 T001 的受导学生中",
            {
                PAIRINGS: minimal(
                    PAIRINGS,
                    "    key_student: S250001\n",
                    "    key_student: S250001\n    mutual: [S250003]\n",
                )
            },
        ),
        id="X246",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:7:31: X250 学习小组“甲组”中的学生 S250003 不是导师 T001 的受导学生",
            {
                PAIRINGS: minimal(
                    PAIRINGS,
                    "    key_student: S250001\n",
                    "    key_student: S250001\n    groups:\n"
                    "      - {name: 甲组, students: [S250003]}\n",
                )
            },
        ),
        id="X250",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:8:31: X251 学生 S250001 已在导师 T001 的学习小组“甲组”中："
            "一名学生只在一个小组里",
            {
                PAIRINGS: minimal(
                    PAIRINGS,
                    "    key_student: S250001\n",
                    "    key_student: S250001\n    groups:\n"
                    "      - {name: 甲组, students: [S250001]}\n"
                    "      - {name: 乙组, students: [S250001, S250002]}\n",
                )
            },
        ),
        id="X251",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:8:16: X252 导师 T001 有两个学习小组都叫“甲组”",
            {
                PAIRINGS: minimal(
                    PAIRINGS,
                    "    key_student: S250001\n",
                    "    key_student: S250001\n    groups:\n"
                    "      - {name: 甲组, students: [S250001]}\n"
                    "      - {name: 甲组, students: [S250002]}\n",
                )
            },
        ),
        id="X252",
    ),
    pytest.param(
        Case(
            f"{PAIRINGS}:9:7: X253 导师 T002 负责 3 个学习小组，超过政策上限 2（政策 taigu）",
            {
                "school.yaml": minimal("school.yaml", "[district]", "[taigu]"),
                PAIRINGS: minimal(PAIRINGS, "[S250003, S250004]", "[S250001, S250003, S250004]")
                + "    groups:\n"
                "      - {name: 甲组, students: [S250001]}\n"
                "      - {name: 乙组, students: [S250003]}\n"
                "      - {name: 丙组, students: [S250004]}\n",
            },
        ),
        id="X253",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:8:14: X254 年级政策中的入学年份 2024 不是本学期的年级，或写了两次"
            "（本学期的年级：2025）",
            {
                SEMESTER_FILE: MINIMAL[SEMESTER_FILE]
                + "grade_policies:\n  - {cohort: 2024, policy: qingpu-exp}\n"
            },
        ),
        id="X254",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:11:7: X255 年级细则要改的义务“chat”不在政策 district 中"
            "（可改的学生义务：home-visit、talk、growth-message）；"
            "要新增一项义务，请写全 per、kind 和 every",
            {
                SEMESTER_FILE: MINIMAL[SEMESTER_FILE]
                + "grade_policies:\n  - cohort: 2025\n    policy: district\n"
                "    obligations:\n      chat: {min: 2}\n"
            },
        ),
        id="X255",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:11:7: X256 义务“group-activity”是导师本人的义务（政策 taigu），"
            "全校统一，年级细则不能改写或新增",
            {
                SEMESTER_FILE: MINIMAL[SEMESTER_FILE]
                + "grade_policies:\n  - cohort: 2025\n    policy: taigu\n"
                "    obligations:\n      group-activity: {min: 2}\n"
            },
        ),
        id="X256",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:11:22: X257 年级细则中义务“talk”的“often”不是政策义务可写的项"
            "（可写：also、due、every、kind、max、min、per、where、window）",
            {
                SEMESTER_FILE: MINIMAL[SEMESTER_FILE]
                + "grade_policies:\n  - cohort: 2025\n    policy: district\n"
                "    obligations:\n      talk: {min: 2, often: 3}\n"
            },
        ),
        id="X257",
    ),
    pytest.param(
        Case(
            f"{SEMESTER_FILE}:11:7: X258 年级细则改写后的义务“talk”有误：min 应为正整数",
            {
                SEMESTER_FILE: MINIMAL[SEMESTER_FILE]
                + "grade_policies:\n  - cohort: 2025\n    policy: district\n"
                "    obligations:\n      talk: {min: 0}\n"
            },
        ),
        id="X258",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/surveys.yaml:5:13: X222 评分满分应为 5 或 100，不是“10”",
            {
                f"{SEMESTER}/surveys.yaml": "semester: 2025-2026-1\nresults:\n"
                "  - {mentor: T001, respondents: students, responses: 3,\n"
                "     method: 8, attitude: 8, frequency: 8, effect: 8,\n"
                "     scale: 10}\n",
            },
        ),
        id="X222",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/surveys.yaml:4:52: X223 平均分 80 超出满分 5 的范围（1 至 5）",
            {
                f"{SEMESTER}/surveys.yaml": "semester: 2025-2026-1\nresults:\n"
                "  - {mentor: T001, respondents: students, responses: 3,\n"
                "     method: 4, attitude: 4, frequency: 4, effect: 80}\n",
            },
        ),
        id="X223",
    ),
]


@pytest.mark.parametrize("case", X_CASES)
def test_cross_file_problems(school: School, case: Case) -> None:
    assert_reported(school, case)


# --- M: form definitions ---------------------------------------------------------------

TALK_FORM = (Path(__file__).resolve().parent.parent / "forms/kinds/talk.yaml").read_text("utf-8")


def test_m301_unknown_field_type_in_school_forms(school: School) -> None:
    """A records repository's own forms/ overrides daoshi's file of the same name."""
    assert "    type: integer\n" in TALK_FORM
    school.write(
        "forms/kinds/talk.yaml",
        TALK_FORM.replace("    type: integer\n", "    type: whole-number\n"),
    )
    code, lines = school.validate()
    assert lines == [
        f"{school.root}/forms/kinds/talk.yaml:44:11: M301 表单定义有误："
        "talk.minutes: 未知的字段类型 'whole-number'，"
        "可用：['boolean', 'date', 'enum', 'id', 'integer', 'kind', 'list', 'mapping', "
        "'number', 'object', 'ref', 'string', 'text']"
    ]
    assert code == 1


def test_m301_bad_base(school: School) -> None:
    school.write(
        "forms/kinds/chat.yaml", "kind: chat\nbase: person\nlabel: 聊天\nhelp: x\nbody: {}\n"
    )
    code, lines = school.validate()
    assert (
        f"{school.root}/forms/kinds/chat.yaml:2:7: "
        "M301 表单定义有误：base 应为 ['group', 'student', 'teacher'] 之一" in lines
    )
    assert code == 1


def test_school_forms_add_a_kind(school: School) -> None:
    """Not a problem: a school's own kind is accepted (the M301 tests' counterpart)."""
    school.write(
        "forms/kinds/chat.yaml",
        "kind: chat\nbase: student\nlabel: 聊天\nhelp: x\nfields: {}\n"
        "body: {required: false, label: 正文, help: x}\n",
    )
    school.write(
        f"{SEMESTER}/journal/T001/S250001/2025-10-13-chat.md",
        talk(
            head=HEAD.replace("kind: talk", "kind: chat").replace("areas: [study]\n", ""), body=""
        ),
    )
    code, lines = school.validate()
    assert lines[-1] == "没有发现问题。"
    assert code == 0


def test_yaml_problems_in_school_forms(school: School) -> None:
    school.write("forms/kinds/talk.yaml", "kind: talk\nkind: x\n")
    code, lines = school.validate()
    assert f"{school.root}/forms/kinds/talk.yaml:2:1: F013 重复的键“kind”（第 1 行已有）" in lines
    assert code == 1


# --- every code has a case ------------------------------------------------------------

SPECIAL = {"F001", "F014", "M301"}  # tested above, outside the tables


def test_every_code_has_a_case() -> None:
    covered = {p.values[0].code for p in F_CASES + R_CASES + X_CASES} | SPECIAL
    assert covered == {c for c in MESSAGES if c[0] in "FRXM"}  # the other groups: own tests


# --- English --------------------------------------------------------------------------

EN_CASES = [
    pytest.param(
        Case(
            f'{SEMESTER_FILE}:11:22: X257 grade rules: "often" of obligation "talk" is not '
            "a field of a policy's obligation (allowed: also, due, every, kind, max, min, per, "
            "where, window)",
            {
                SEMESTER_FILE: MINIMAL[SEMESTER_FILE]
                + "grade_policies:\n  - cohort: 2025\n    policy: district\n"
                "    obligations:\n      talk: {min: 2, often: 3}\n"
            },
            args=("--lang", "en"),
        ),
        id="X257",
    ),
    pytest.param(
        Case(
            f'{TALK2}:7:8: F014 "no" is ambiguous: write true/false for yes/no, quote text '
            "and numbers with leading zeros",
            {TALK2: talk("place: no\n")},
            args=("--lang", "en"),
        ),
        id="F014",
    ),
    pytest.param(
        Case(
            f"{TALK2}:1:1: F009 front matter has no closing --- line",
            {TALK2: "---\nkind: talk\n"},
            args=("--lang", "en"),
        ),
        id="F009",
    ),
    pytest.param(
        Case(
            "notes.txt:1:1: F016 file is not part of the records layout (see docs/records.md): "
            "move or rename it",
            {"notes.txt": "x"},
            args=("--lang", "en"),
        ),
        id="F016",
    ),
    pytest.param(
        Case(
            f'{TALK2}:2:1: R102 missing required field "Areas" (areas)',
            {TALK2: talk(head=HEAD.replace("areas: [study]\n", ""))},
            args=("--lang", "en"),
        ),
        id="R102",
    ),
    pytest.param(
        Case(
            f'{TALK2}:7:10: R103 "Minutes" must be a whole number, not the text "twenty"',
            {TALK2: talk("minutes: twenty\n")},
            args=("--lang", "en"),
        ),
        id="R103",
    ),
    pytest.param(
        Case(
            f"{SEMESTER}/journal/T001/S250003/2025-10-13-talk.md:4:10: X209 student S250003 "
            "is not a mentee of T001 in 2025-2026-1",
            {
                f"{SEMESTER}/journal/T001/S250003/2025-10-13-talk.md": talk(
                    head=HEAD.replace("S250001", "S250003")
                )
            },
            args=("--lang", "en"),
        ),
        id="X209",
    ),
    pytest.param(
        Case(
            f'{TEACHERS}:8:9: X206 duplicate teacher ID "T002" (also in people/teachers.yaml:5:9)',
            {TEACHERS: minimal(TEACHERS, "id: T003", "id: T002")},
            args=("--lang", "en"),
        ),
        id="X206",
    ),
]


@pytest.mark.parametrize("case", EN_CASES)
def test_english_messages(school: School, case: Case) -> None:
    lines = assert_reported(school, case)
    assert lines[-1] == "Found 1 problem."


# --- all problems in one run, sorted, nothing skipped ----------------------------------


def _sort_key(line: str) -> tuple[str, int, int, str]:
    m = re.match(r"(.+):(\d+):(\d+): (\S+) ", line)
    assert m, line
    return m[1], int(m[2]), int(m[3]), m[4]


def test_every_problem_in_one_run_sorted(school: School) -> None:
    school.write("school.yaml", MINIMAL["school.yaml"] + "motto: x\n")
    school.write(TALK2, talk("place: no\nminutes: 0\n" + "\n" * 3 + "occasion: x\n"))
    school.write("notes.txt", "x\n")
    school.write(PAIRINGS, minimal(PAIRINGS, "mentor: T002", "mentor: T999"))
    code, lines = school.validate()
    heading = lines.index("提示（记录照常使用，考核和站点按设置计算；请核对以下情况）：")
    problems = problem_lines(lines[:heading])
    r = school.root
    # T002, renamed away, mentors nobody: a note after the errors (教师人人是导师)
    assert problem_lines(lines[heading:]) == [
        f"{r}/{PAIRINGS}:3:3: X225 教师 T002 在 2025-2026-1 学期没有受导学生"
        "（政策 district：“教师人人是导师”）"
    ]
    assert problems == [
        f"{r}/notes.txt:1:1: {LAYOUT_HINT}请移走或改名",
        f"{r}/school.yaml:7:1: R101 未知字段“motto”（学校没有这个字段）",
        f"{r}/{TALK2}:7:8: F014 “no”{F014}",
        f"{r}/{TALK2}:8:10: R107 “时长（分钟）”不能小于 1",
        f"{r}/{TALK2}:12:11: R104 “谈话时机”的值“x”不在允许范围内："
        "routine (日常谈心), exam (重大考试前后), "
        "family_change (家庭变故), mood (情绪波动), achievement (取得成绩), other (其他)",
        f"{r}/{PAIRINGS}:6:13: X202 未知的教师工号“T999”",
    ]
    assert problems == sorted(problems, key=_sort_key)  # by path, then line and column as numbers
    assert lines[-1] == f"发现 {len(problems)} 个问题，另有 1 条提示。"
    assert code == 1


def test_bad_files_still_count(school: School) -> None:
    """A file that cannot be parsed is reported and still counted; nothing is skipped."""
    school.write(TALK2, "---\nkind: talk\nplace: [\n---\n谈心。\n")
    school.write(f"{SEMESTER}/journal/T001/S250001/2025-10-14-talk.md", b"\xff")
    school.write(f"{SEMESTER}/journal/T001/S250001/2025-10-15-talk.md", "")
    code, lines = school.validate()
    problems = problem_lines(lines)
    assert [_sort_key(p)[3] for p in problems] == ["F010", "F002", "F006"]
    assert lines[-2].startswith("已检查 9 个文件：")
    assert lines[-1] == "发现 3 个问题。"
    assert code == 1


def test_exit_code_follows_problems_and_cache_keeps_them(school: School) -> None:
    assert school.validate(cache=True)[0] == 0
    school.write(TALK2, talk("place: no\n"))
    first = school.validate(cache=True)
    second = school.validate(cache=True)
    assert first[0] == second[0] == 1
    assert (
        problem_lines(first[1])
        == problem_lines(second[1])
        == [f"{school.root}/{TALK2}:7:8: F014 “no”{F014}"]
    )
    assert second[1][-2].endswith("（使用缓存）。")
    school.write(TALK2, talk("place: 'no'\n"))
    code, lines = school.validate(cache=True)
    assert code == 0, lines
    assert lines[-1] == "没有发现问题。"


def test_quiet_prints_only_problems(school: School) -> None:
    school.write(TALK2, talk("place: no\n"))
    code, lines = school.validate("-q")
    assert lines == [f"{school.root}/{TALK2}:7:8: F014 “no”{F014}"]
    assert code == 1


# --- edge cases: crashes, misplaced positions, wrong types ----------------------------


def test_anchor_alone_is_f012(school: School) -> None:
    assert_reported(
        school,
        Case(
            f"{TALK2}:7:8: F012 不允许使用 YAML 锚点和别名（&、*）",
            {TALK2: talk("place: &p 办公室\n")},
        ),
    )


def test_alias_is_reported_where_it_is(school: School) -> None:
    assert_reported(
        school,
        Case(
            f"{TALK2}:8:12: F012 不允许使用 YAML 锚点和别名（&、*）",
            {TALK2: talk("place: &p 办公室\nfollow_up: *p\n")},
        ),
    )


@pytest.mark.parametrize(
    "text", ["- 测试中学\n", "id: [\n", MINIMAL["school.yaml"] + "---\nid: x\n"]
)
def test_broken_school_yaml_is_not_missing(school: School, text: str) -> None:
    school.write("school.yaml", text)
    code, lines = school.validate()
    assert code == 1
    assert f"{school.root}/school.yaml:1:1: X216 缺少必需的文件 school.yaml" not in lines


def test_f002_byte_counts_the_bom(school: School) -> None:
    bad = talk().encode() + b"\xff\n"
    school.write(TALK2, bad)
    _, plain = school.validate()
    school.write(TALK2, b"\xef\xbb\xbf" + bad)
    _, with_bom = school.validate()
    number = re.compile(r"F002 .*（文件第 (\d+) 个字节）")
    first = [int(m[1]) for line in plain if (m := number.search(line))]
    second = [int(m[1]) for line in with_bom if (m := number.search(line))]
    assert second == [first[0] + 3]


def test_english_summary(school: School) -> None:
    code, lines = school.validate("--lang", "en")
    assert code == 0
    assert not [line for line in lines if CJK.search(line)], lines


def test_relative_path_forms_problem(school: School, monkeypatch: pytest.MonkeyPatch) -> None:
    school.write(
        "forms/kinds/talk.yaml",
        TALK_FORM.replace("    type: integer\n", "    type: whole-number\n"),
    )
    monkeypatch.chdir(school.root.parent)
    relative = School(Path(school.root.name))
    code, lines = relative.validate()
    assert code == 1
    assert lines and lines[0].startswith(
        f"{school.root.name}/forms/kinds/talk.yaml:44:11: M301 "
    ), lines


def test_unlistable_folder_is_reported_not_a_crash(school: School) -> None:
    """A folder path longer than PATH_MAX cannot be listed: expect F001, not a traceback."""
    fd = os.open(school.root, os.O_RDONLY)
    try:
        for _ in range(20):
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        note = os.open("x.yaml", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(note, b"a: 1\n")
        os.close(note)
    finally:
        os.close(fd)
    code, lines = school.validate()
    assert code == 1
    assert any(re.search(r": F001 ", line) for line in lines), lines


@pytest.mark.parametrize("value", ["[talk]", "{a: 1}", "[]"])
def test_kind_that_is_a_list_is_reported_not_a_crash(school: School, value: str) -> None:
    code, lines = run(
        school, Case("", {TALK2: talk(head=HEAD.replace("kind: talk", f"kind: {value}"))})
    )
    assert code == 1
    assert any(
        re.match(rf"{re.escape(school.path(TALK2))}:2:7: R1(03|10) ", line) for line in lines
    )


def test_list_for_enum_is_a_type_error(school: School) -> None:
    assert_reported(
        school,
        Case(
            f"{TALK2}:7:11: R103 “谈话时机”应为选项，实际是列表",
            {TALK2: talk("occasion: [exam]\n")},
        ),
    )


def test_list_for_date_is_a_type_error(school: School) -> None:
    assert_reported(
        school,
        Case(
            f"{TALK2}:5:7: R103 “日期”应为日期，实际是列表",
            {TALK2: talk(head=HEAD.replace("date: 2025-10-13", "date: [2025-10-13]"))},
        ),
    )
