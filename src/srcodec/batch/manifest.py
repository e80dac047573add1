"""The manifest: one JSON line per finished output, written only once the output is whole.

A rerun trusts an output only if the manifest says it was finished from the same source
(size and stamp) with the same settings, and DST still holds it at the recorded size. So a
run killed at any moment loses nothing and redoes nothing finished: an output renamed into
place whose line was not yet written is redone (the rename was atomic, so this is only
time). A line that does not parse (torn by a kill, or damaged) is skipped with one warning
for the whole manifest, and its file is done again; a local manifest is then rewritten
without it, so the warning is not repeated on every run.

On a local DST the manifest is DST/.srcodec-batch.jsonl, appended and fsynced line by line.
Object stores cannot append, so there each line is its own small object under
DST/.srcodec-batch.d/ (a put is atomic), folded into DST/.srcodec-batch.jsonl when the run
ends.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from typing import TYPE_CHECKING, Any

from srcodec.errors import SrcodecWarning

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

NAME = ".srcodec-batch.jsonl"
SEGMENTS = ".srcodec-batch.d"


class Manifest:
    def __init__(self, fs: AbstractFileSystem, root: str) -> None:
        from fsspec.implementations.local import LocalFileSystem

        self.fs, self.path, self.segments = fs, f"{root}/{NAME}", f"{root}/{SEGMENTS}"
        self.local = isinstance(fs, LocalFileSystem)
        self.entries: dict[str, dict[str, Any]] = {}  # src rel -> the latest entry
        self._file: Any = None
        self._run = uuid.uuid4().hex[:12]
        self._seq = 0

    def load(self) -> dict[str, dict[str, Any]]:
        texts = [self.fs.cat_file(self.path)] if self.fs.exists(self.path) else []
        if not self.local and self.fs.exists(self.segments):
            texts += [self.fs.cat_file(p) for p in sorted(self.fs.find(self.segments))]
        unreadable = 0
        for text in texts:
            for line in text.splitlines():
                entry = _parse(line)
                if entry is not None:
                    self.entries[entry["src"]] = entry
                elif line.strip():
                    unreadable += 1
        if unreadable:
            lines = "1 line does not" if unreadable == 1 else f"{unreadable} lines do not"
            warnings.warn(
                f"{self.path}: {lines} parse; skipped (the files they recorded are done again)",
                SrcodecWarning,
                stacklevel=2,
            )
            if self.local:
                self._rewrite()
        return self.entries

    def record(self, entry: dict[str, Any]) -> None:
        line = _line(entry)
        self.entries[entry["src"]] = entry
        if self.local:
            self._append(line)
        else:
            self._seq += 1
            self.fs.pipe_file(f"{self.segments}/{self._run}-{self._seq:08d}.jsonl", line)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if not self.local and self.fs.exists(self.segments):
            # one object with every entry first, then drop the segments: a kill in between
            # leaves duplicates, which load() folds
            text = b"".join(_line(e) for e in self.entries.values())
            self.fs.pipe_file(self.path, text)
            self.fs.rm(self.segments, recursive=True)

    def _rewrite(self) -> None:
        """The local manifest, atomically replaced by its parsed entries alone."""
        from srcodec.image_io import write_atomic

        text = b"".join(_line(e) for e in self.entries.values())
        write_atomic(self.path, lambda f: f.write(text))

    def _append(self, line: bytes) -> None:
        if self._file is None:
            self._file = open(self.path, "ab")  # held open for the whole run
            if self._file.tell() and not _ends_with_newline(self.path):
                self._file.write(b"\n")  # after a torn line, start a fresh one
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())


def _line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True).encode() + b"\n"


def _parse(line: bytes) -> dict[str, Any] | None:
    """The entry a line holds, or None: a line torn by a kill, or damaged (json raises
    ValueError for bad syntax or bytes, RecursionError for brackets nested too deep)."""
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError):
        return None
    ok = isinstance(entry, dict) and isinstance(entry.get("src"), str)
    return entry if ok else None


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
