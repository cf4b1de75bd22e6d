"""Bytes to text, as an editor shows it: what Windows editors write is accepted, the rest
located.

A UTF-8 byte-order mark, CRLF and lone CR line ends (and a mix of them) are normalised, so
every line and column reported later is the one the teacher's editor shows. UTF-16 is
named; bytes that are not UTF-8 and invisible control characters (C0/C1 controls, Unicode
line separators, bidirectional overrides) are reported where they are.
"""

from __future__ import annotations

import re

from daoshi.errors import Location, Problem
from daoshi.messages import problem


def _utf16(raw: bytes) -> bool:
    """Whether the bytes look like UTF-16 (Windows Notepad's "Unicode"): its byte-order mark,
    or the ASCII of YAML's keys showing as a NUL byte beside every letter."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    nuls = raw.count(0)
    return nuls * 4 >= len(raw) > 0 and max(raw[0::2].count(0), raw[1::2].count(0)) * 5 >= nuls * 4


def _line_breaks(text: str) -> str:
    """CRLF and lone CR (Windows and old Mac editors) as LF: one line break each."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text. What Windows editors write (a UTF-8 BOM, CRLF or CR line ends, a mix)
    is accepted and normalised here, so every later line and column is the editor's.

    UTF-16 is named (F019). A file that is not UTF-8 gets F002 at the first bad byte of
    each line and F018 at each control character, all in one run, and is not parsed.
    """
    if _utf16(raw):
        return None, [problem(Location(path), "F019")]
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = _line_breaks(raw[bom:].decode("utf-8"))
    except UnicodeDecodeError:
        return None, _undecodable(raw[bom:].decode("utf-8", "surrogateescape"), bom, path)
    if not text.strip():
        return None, [problem(Location(path), "F006")]
    return text, []


_BAD_BYTES = re.compile("[\udc80-\udcff]+")  # what "surrogateescape" made of bytes not UTF-8


def _undecodable(text: str, bom: int, path: str) -> list[Problem]:
    """F002 at the first bad byte of each line (its byte number counts the BOM and the line
    ends as written), then F018 at every control character; a run of bad bytes is one column."""
    problems: list[Problem] = []
    byte = bom
    for number, m in enumerate(_LINE.finditer(text), start=1):
        line = m.group()
        bad = _BAD_BYTES.search(line)
        if bad is not None:
            before = len(line[: bad.start()].encode("utf-8", "surrogateescape"))
            where = Location(path, number, bad.start() + 1)
            problems.append(problem(where, "F002", byte=byte + before + 1))
        byte += len(line.encode("utf-8", "surrogateescape"))
    control_characters(_BAD_BYTES.sub("\ufffd", _line_breaks(text)), path, problems)
    return problems


_LINE = re.compile("[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\\Z")


CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ufeff]"
)


def position(text: str, index: int, path: str) -> Location:
    """The 1-based line and column of a character, counting only LF as a line break."""
    line = text.count("\n", 0, index) + 1
    return Location(path, line, index - text.rfind("\n", 0, index))


def control_characters(text: str, path: str, problems: list[Problem]) -> str:
    """Report invisible control characters and Unicode line separators, then blank them.

    libyaml would count U+2028 and U+0085 as line breaks (shifting every later line number)
    and stops at a NUL without a position; editors show neither.
    """
    for m in CONTROL.finditer(text):
        char = f"U+{ord(m.group()):04X}"
        problems.append(problem(position(text, m.start(), path), "F018", char=char))
    return CONTROL.sub("", text)
