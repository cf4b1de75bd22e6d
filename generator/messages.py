"""Problem codes and their messages in Chinese (default) and English.

Codes are stable: a school's people search for them. Every code here is documented in
docs/errors.md (a test keeps the two in step). F = the file's bytes and YAML, R = one
file against its form, X = rules across files.
"""

from __future__ import annotations

from typing import Any

from .errors import Location, Problem

# code: (Chinese message, English message)
MESSAGES: dict[str, tuple[str, str]] = {
    "F001": ("无法读取文件：{error}", "cannot read the file: {error}"),
    "F002": (
        "不是 UTF-8 编码（文件第 {byte} 个字节），请用 UTF-8 保存",
        "not UTF-8 (byte {byte} of the file); save the file as UTF-8",
    ),
    "F003": (
        "文件以 BOM 开头，请保存为不带 BOM 的 UTF-8",
        "the file starts with a byte-order mark; save as UTF-8 without BOM",
    ),
    "F004": (
        "使用了 CR 换行符（Windows 的 CRLF 或旧式 CR），请改为 LF",
        "CR line endings (Windows CRLF or old CR); use LF",
    ),
    "F005": ("YAML 中不能使用制表符（Tab），请改用空格", "tab character in YAML; use spaces"),
    "F006": ("文件是空的", "the file is empty"),
    "F007": (
        "文件过大（{size} 字节，上限 {limit}），未读取",
        "file too large ({size} bytes, limit {limit}); not read",
    ),
    "F008": (
        "记录文件必须以一行 --- 开头（YAML 头部）",
        "a record must start with a --- line (front matter)",
    ),
    "F009": ("YAML 头部缺少结尾的 --- 行", "front matter has no closing --- line"),
    "F010": ("YAML 语法错误：{detail}", "YAML syntax error: {detail}"),
    "F011": ("不允许使用 YAML 标签 {tag}", "YAML tag {tag} is not allowed"),
    "F012": (
        "不允许使用 YAML 锚点和别名（&、*）",
        "YAML anchors and aliases (&, *) are not allowed",
    ),
    "F013": (
        "重复的键“{key}”（第 {line} 行已有）",
        'duplicate key "{key}" (already on line {line})',
    ),
    "F014": (
        "“{text}”含义不明确：是/否请写 true/false，文字或带前导零的编号请加引号",
        '"{text}" is ambiguous: write true/false for yes/no, quote text and numbers with leading zeros',
    ),
    "F015": (
        "文件顶层必须是“键: 值”形式的映射",
        "the top level must be a mapping of keys to values",
    ),
    "F016": (
        "不属于记录仓库结构的文件（见 docs/records.md）：{hint}",
        "file is not part of the records layout (see docs/records.md): {hint}",
    ),
    "F018": (
        "不可见的控制字符或特殊换行符 {char}，请删除",
        "invisible control character or line separator {char}; remove it",
    ),
    "F017": ("嵌套超过 {depth} 层", "nested deeper than {depth} levels"),
    "R101": (
        "未知字段“{key}”（{form}没有这个字段）",
        'unknown field "{key}" ({form} has no such field)',
    ),
    "R102": ("缺少必填字段“{label}”（{key}）", 'missing required field "{label}" ({key})'),
    "R103": (
        "“{label}”应为{expected}，实际是{actual}",
        '"{label}" must be {expected}, not {actual}',
    ),
    "R104": (
        "“{label}”的值“{value}”不在允许范围内：{allowed}",
        '"{label}": "{value}" is not one of {allowed}',
    ),
    "R105": (
        "“{label}”日期格式错误“{value}”，应写成 2025-10-12",
        '"{label}": bad date "{value}"; write it as 2025-10-12',
    ),
    "R106": ("“{label}”日期不存在：{value}", '"{label}": no such date: {value}'),
    "R107": ("“{label}”{limit}", '"{label}": {limit}'),
    "R108": ("“{label}”格式不符合要求（{pattern}）", '"{label}" does not match {pattern}'),
    "R109": ("正文“{label}”不能为空", 'the body "{label}" must not be empty'),
    "R110": (
        "未知的记录种类“{kind}”，可用：{allowed}",
        'unknown record kind "{kind}"; known: {allowed}',
    ),
    "R111": ("键必须是简单的文字", "keys must be plain text"),
    "X201": ("未知的学生学号“{id}”", 'unknown student ID "{id}"'),
    "X202": ("未知的教师工号“{id}”", 'unknown teacher ID "{id}"'),
    "X203": ("未知的班级“{id}”", 'unknown class ID "{id}"'),
    "X204": ("未知的学期“{id}”", 'unknown semester "{id}"'),
    "X205": ("未知的政策“{id}”，可用：{allowed}", 'unknown policy "{id}"; known: {allowed}'),
    "X206": ("重复的{what}“{id}”（{other} 已使用）", 'duplicate {what} "{id}" (also in {other})'),
    "X207": (
        "日期 {date} 不在学期 {semester}（{start} 至 {end}）内",
        "date {date} is outside semester {semester} ({start} to {end})",
    ),
    "X208": ("日期 {date} 晚于今天（{today}）", "date {date} is in the future (today is {today})"),
    "X209": (
        "学生 {student} 不是导师 {mentor} 在 {semester} 学期的受导学生",
        "student {student} is not a mentee of {mentor} in {semester}",
    ),
    "X210": (
        "导师 {mentor} 有 {count} 名受导学生，超过政策上限 {cap}",
        "mentor {mentor} has {count} mentees, over the cap of {cap}",
    ),
    "X211": (
        "学生 {student} 在 {semester} 学期没有导师",
        "student {student} has no mentor in {semester}",
    ),
    "X212": (
        "文件名与内容不一致：{field} 在路径中是“{in_path}”，文件中是“{in_file}”",
        'file name does not match its content: {field} is "{in_path}" in the path, "{in_file}" in the file',
    ),
    "X213": ("学期日期有误：{detail}", "semester dates are wrong: {detail}"),
    "X214": (
        "重点帮扶对象 {student} 不在导师 {mentor} 的受导学生中",
        "key student {student} is not among mentor {mentor}'s mentees",
    ),
    "X215": (
        "班级 {class_id} 不属于 {cohort} 级",
        "class {class_id} does not belong to cohort {cohort}",
    ),
    "X216": ("缺少必需的文件 {file}", "required file {file} is missing"),
    "X217": ("“{id}”在同一列表中出现了两次", '"{id}" is listed twice'),
    "M301": ("表单定义有误：{detail}", "bad form definition: {detail}"),
    "X218": (
        "学生 {student} 在 {semester} 学期不在校（{why}）",
        "student {student} is not at school in {semester} ({why})",
    ),
}

LANGUAGES = ("zh", "en")
_language = "zh"


def set_language(lang: str) -> None:
    """Choose the language of messages made from now on (``zh`` or ``en``)."""
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGUAGES}")
    _language = lang


def language() -> str:
    """The language messages are made in."""
    return _language


def problem(location: Location, code: str, **args: Any) -> Problem:
    """Make a located ``Problem`` with the message for ``code`` in the current language."""
    zh, en = MESSAGES[code]
    template = zh if _language == "zh" else en
    return Problem(location, code, template.format(**args))


# Type names for R103, by form type and by the YAML value found.
EXPECTED = {
    "string": ("文字", "text"),
    "text": ("文字", "text"),
    "id": ("带引号或以字母开头的编号", "an ID (text)"),
    "ref": ("编号（文字）", "an ID (text)"),
    "kind": ("记录种类代号", "a kind code"),
    "integer": ("整数", "a whole number"),
    "number": ("数字", "a number"),
    "boolean": ("true 或 false", "true or false"),
    "date": ("日期", "a date"),
    "enum": ("选项", "one of the options"),
    "list": ("列表", "a list"),
    "object": ("映射（键: 值）", "a mapping"),
}


def expected(form_type: str) -> str:
    """What a form type expects, in the current language."""
    zh, en = EXPECTED[form_type]
    return en if _language == "en" else zh


def describe(value: Any) -> str:
    """What a YAML value is, in the current language, for R103."""
    if value is None:
        pair = ("空值", "empty")
    elif isinstance(value, bool):
        pair = ("true/false", "true/false")
    elif isinstance(value, int):
        pair = (f"整数 {value}", f"the number {value}")
    elif isinstance(value, float):
        pair = (f"数字 {value}", f"the number {value}")
    elif isinstance(value, list):
        pair = ("列表", "a list")
    elif isinstance(value, dict):
        pair = ("映射", "a mapping")
    else:
        pair = (f"文字“{value}”", f'the text "{value}"')
    return pair[1] if _language == "en" else pair[0]


def limit_text(kind: str, bound: object) -> str:
    """The R107 detail: which limit a value broke."""
    zh, en = {
        "min": ("不能小于 {b}", "must be at least {b}"),
        "max": ("不能大于 {b}", "must be at most {b}"),
        "min_items": ("至少需要 {b} 项", "needs at least {b} items"),
        "max_items": ("最多 {b} 项", "allows at most {b} items"),
        "max_length": ("最长 {b} 个字", "allows at most {b} characters"),
    }[kind]
    return (en if _language == "en" else zh).format(b=bound)


def summary_text(
    files: int, people: tuple[int, int, int] | None, kinds: list[tuple[str, int]], cached: bool
) -> str:
    """The closing summary of ``daoshi validate``; ``people`` is (semesters, teachers, students)."""
    records = sum(n for _, n in kinds)
    if _language == "en":
        text = f"Checked {files} files"
        if people:
            text += f": {people[0]} semesters, {people[1]} teachers, {people[2]} students"
        text += f", {records} records"
        text += f" ({', '.join(f'{label} {n}' for label, n in kinds)})" if kinds else ""
        return text + (" (from cache)" if cached else "") + "."
    text = f"已检查 {files} 个文件"
    if people:
        text += f"：{people[0]} 个学期，{people[1]} 名教师，{people[2]} 名学生"
    text += f"，{records} 份记录" + (
        f"（{'，'.join(f'{lb} {n}' for lb, n in kinds)}）" if kinds else ""
    )
    return text + ("（使用缓存）" if cached else "") + "。"


def verdict(count: int) -> str:
    """The last line of ``daoshi validate``."""
    if _language == "en":
        if count == 0:
            return "No problems found."
        return f"Found {count} problem{'s' if count != 1 else ''}."
    return f"发现 {count} 个问题。" if count else "没有发现问题。"
