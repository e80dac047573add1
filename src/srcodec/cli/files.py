"""Where a subcommand reads and writes: `-` for the standard streams, and the checks on the
input and output paths made before any work (the input is a file, the output can be written,
never over the input, never under a misleading extension).

A path the filesystem refuses is a FileError (exit 1); a command line that contradicts
itself (the output is the input, an extension that promises another format) a UsageError
(exit 2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from srcodec.errors import FileError, UsageError

STDIO = "-"


def stdin_bytes(name: str) -> bytes | str:
    """`-`: the bytes on standard input; any other name is returned as is."""
    if name != STDIO:
        return name
    data = sys.stdin.buffer.read()
    if not data:
        msg = "standard input is empty"
        raise FileError(msg)
    return data


def check_paths(src: str, dst: str, writes: str) -> None:
    """Before any work: the input is a file, the output can be written where asked, is not
    the input, and its extension does not promise another kind of file (`writes`: "srz" or
    "image")."""
    check_input(src, batch_hint=writes == "srz")
    if dst != STDIO:
        out = Path(dst)
        if out.is_dir():
            msg = f"output {dst} is a folder; give a file name"
            raise FileError(msg)
        parent = out.parent
        if parent.exists() and not parent.is_dir():
            msg = f"output {dst}: {parent} is a file, not a folder"
            raise FileError(msg)
        if not parent.is_dir():
            msg = f"output folder {parent} does not exist"
            raise FileError(msg)
        if not os.access(parent, os.W_OK):
            msg = f"output {dst}: no permission to write in {parent}"
            raise FileError(msg)
        if src != STDIO and out.exists() and Path(src).exists() and os.path.samefile(src, dst):
            msg = f"output {dst} is the input; refusing to overwrite it"
            raise UsageError(msg)
        _check_extension(out, writes)


def check_input(src: str, *, batch_hint: bool = False) -> None:
    """The input names a file that exists (`-`, standard input, always does); `batch_hint`:
    a folder's error names `srcodec batch`."""
    if src == STDIO:
        return
    path = Path(src)
    if path.is_dir():
        hint = ", or a folder with `srcodec batch SRC DST`" if batch_hint else ""
        msg = f"{src} is a folder; give one file{hint}"
        raise FileError(msg)
    if not path.exists():
        msg = f"{src}: no such file"
        raise FileError(msg)


def _check_extension(out: Path, writes: str) -> None:
    from PIL import Image

    suffix = out.suffix.lower()
    # .srz itself is registered with Pillow once srcodec.pillow is imported
    if writes == "srz" and suffix != ".srz" and suffix in Image.registered_extensions():
        msg = f"output {out} would hold an .srz stream under an image extension; name it .srz"
        raise UsageError(msg)
    if writes == "image" and suffix == ".srz":
        msg = f"output {out} would hold an image under the .srz extension; name it .png"
        raise UsageError(msg)
