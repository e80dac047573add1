"""File names in messages: one helper, `printable`, used by every message that prints a
path, so a name holding a newline, a carriage return or a terminal escape cannot forge an
extra line (a fake `srcodec: error: ...`) or repaint the terminal."""

from __future__ import annotations

import os
import unicodedata


def printable(path: str | bytes | os.PathLike) -> str:
    """`path` as text with every control or line-breaking character escaped the way
    Python writes it (`\\n`, `\\x1b`, `\\u2028`); undecodable bytes as `\\xNN`; other
    characters, spaces and non-ASCII letters included, unchanged."""
    raw = os.fspath(path)
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    return "".join(_escaped(c) for c in text)


def _escaped(char: str) -> str:
    if char == "\\" or unicodedata.category(char) not in ("Cc", "Zl", "Zp", "Cf"):
        return char
    return repr(char)[1:-1]
