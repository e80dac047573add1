"""Where a subcommand reads and writes: `-` for the standard streams, and the checks on an
output path made before any work (never over the input, never under a misleading extension).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from srcodec.errors import UsageError

STDIO = "-"


def stdin_bytes(name: str) -> bytes | str:
    """`-`: the bytes on standard input; any other name is returned as is."""
    if name != STDIO:
        return name
    data = sys.stdin.buffer.read()
    if not data:
        msg = "standard input is empty"
        raise UsageError(msg)
    return data


def check_paths(src: str, dst: str, writes: str) -> None:
    """Before any work: the output can be written where asked, is not the input, and its
    extension does not promise another kind of file (`writes`: "srz" or "image")."""
    if dst != STDIO:
        out = Path(dst)
        if out.is_dir():
            msg = f"output {dst} is a folder; give a file name"
            raise UsageError(msg)
        parent = out.parent
        if parent.exists() and not parent.is_dir():
            msg = f"output {dst}: {parent} is a file, not a folder"
            raise UsageError(msg)
        if not parent.is_dir():
            msg = f"output folder {parent} does not exist"
            raise UsageError(msg)
        if not os.access(parent, os.W_OK):
            msg = f"output {dst}: no permission to write in {parent}"
            raise UsageError(msg)
        if src != STDIO and out.exists() and Path(src).exists() and os.path.samefile(src, dst):
            msg = f"output {dst} is the input; refusing to overwrite it"
            raise UsageError(msg)
        _check_extension(out, writes)


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
