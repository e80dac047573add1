"""The source tree as a list of tasks: one per file to transcode, with its output's name.

SRC and DST are fsspec URLs (plain paths, memory://, s3://, gs://, ...). Hidden files and
folders (a name starting with ".") are never sources: the manifest and the temp files of
atomic writes are hidden. Symlinks in SRC are never followed (a link may lead out of SRC or
back into it); hidden files and links are counted as left alone. Outputs stay inside DST: a
file whose output would pass through a symbolic link in a local DST (a linked subfolder, or
a link where the output goes) is refused and reported, not written through the link.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from srcodec.errors import FileError, UsageError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from srcodec.batch.settings import Settings

# what tells that a source changed, besides its size: the first of these the store gives
_STAMPS = ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag", "created")


@dataclass(frozen=True)
class Task:
    rel: str  # source path relative to SRC, with "/"
    src: str  # the source in the source filesystem
    out_rel: str
    out: str  # the output in the destination filesystem
    size: int
    stamp: str


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (rel, why), not run
    other: int = 0  # files the mode does not transcode (not images / not .srz)
    hidden: int = 0  # hidden files, symlinks and special files: never sources, never followed
    outputs: dict[str, int] = field(default_factory=dict)  # out_rel -> size DST holds now
    stale: list[str] = field(default_factory=list)  # temp files a killed run left in DST


def open_fs(url: str) -> tuple[AbstractFileSystem, str]:
    """(filesystem, root path without a trailing slash) for a URL or a local path."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    return fs, root.rstrip("/") or "/"


def stamp(info: dict[str, Any]) -> str:
    return next((str(info[k]) for k in _STAMPS if info.get(k) is not None), "")


def check_roots(
    src_fs: AbstractFileSystem,
    src_root: str,
    dst_fs: AbstractFileSystem,
    dst_root: str,
    names: str,
) -> None:
    """Refuse SRC and DST before any work: FileError when the filesystem says no (SRC is
    missing or a file, DST a file), UsageError when the two contradict each other.
    `names` ("SRC -> DST" as the user gave them) ends each message."""
    if not src_fs.isdir(src_root):
        why = "SRC is not a folder" if src_fs.exists(src_root) else "SRC: no such folder"
        msg = f"{why} ({names})"
        raise FileError(msg)
    same_store = type(src_fs) is type(dst_fs) and src_fs.storage_options == dst_fs.storage_options
    if same_store and (dst_root == src_root or dst_root.startswith(src_root.rstrip("/") + "/")):
        msg = f"DST is inside SRC; write the outputs elsewhere ({names})"
        raise UsageError(msg)
    if dst_fs.isfile(dst_root):
        msg = f"DST is a file, not a folder ({names})"
        raise FileError(msg)


def plan(
    src_fs: AbstractFileSystem,
    src_root: str,
    dst_fs: AbstractFileSystem,
    dst_root: str,
    settings: Settings,
) -> Plan:
    out = Plan()
    owner: dict[str, str] = {}  # out_rel -> the source that claimed it
    found = _entries(src_fs, src_root)
    out.hidden = sum(1 for i in found.values() if i.get("type") not in ("file", "directory"))
    for path, info in sorted(_only_files(found).items()):
        rel = _relative(path, src_root)
        if _hidden(rel):
            out.hidden += 1
            continue
        if not settings.wants(rel):
            out.other += 1
            continue
        out_rel = settings.output_name(rel)
        if out_rel in owner:
            out.refused.append((rel, f"its output {out_rel} is also {owner[out_rel]}'s"))
            continue
        owner[out_rel] = rel
        link = _link_on_the_way(dst_fs, dst_root, out_rel)
        if link is not None:
            out.refused.append((rel, f"DST/{link} is a symbolic link; outputs stay inside DST"))
            continue
        task = Task(rel, path, out_rel, f"{dst_root}/{out_rel}", int(info["size"]), stamp(info))
        out.tasks.append(task)
    for path, info in _files(dst_fs, dst_root).items():
        rel = _relative(path, dst_root)
        if not _hidden(rel):
            out.outputs[rel] = int(info["size"])
        elif _temp_of(rel) in owner:
            out.stale.append(path)
    return out


def _link_on_the_way(fs: AbstractFileSystem, root: str, rel: str) -> str | None:
    """The first of rel's folders (or rel itself) under a local DST that is a symbolic link,
    relative to DST; None when there is none or DST is not local (stores have no links)."""
    from fsspec.implementations.local import LocalFileSystem

    if not isinstance(fs, LocalFileSystem):
        return None
    parts = PurePosixPath(rel).parts
    for depth in range(1, len(parts) + 1):
        if os.path.islink(os.path.join(root, *parts[:depth])):
            return "/".join(parts[:depth])
    return None


def _entries(fs: AbstractFileSystem, root: str) -> dict[str, dict[str, Any]]:
    """Everything under `root` but folders: files, and (type "other") symlinks and
    special files, which fsspec lists without following."""
    return fs.find(root, detail=True) if fs.exists(root) else {}


def _only_files(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p: i for p, i in found.items() if i.get("type", "file") == "file"}


def _files(fs: AbstractFileSystem, root: str) -> dict[str, dict[str, Any]]:
    return _only_files(_entries(fs, root))


def _relative(path: str, root: str) -> str:
    return path[len(root) :].lstrip("/") if root != "/" else path.lstrip("/")


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in PurePosixPath(rel).parts)


def _temp_of(rel: str) -> str | None:
    """The output a temp file of `image_io.write_atomic` (.NAME.RANDOM.tmp) was for."""
    p = PurePosixPath(rel)
    if not (p.name.startswith(".") and p.name.endswith(".tmp")):
        return None
    name = p.name[1 : -len(".tmp")].rpartition(".")[0]
    return str(p.parent / name) if name else None
