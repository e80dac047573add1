"""Generated blocks in Markdown pages: find them, render them, put the result back."""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    # a renderer takes the block's key=value arguments and returns Markdown
    Renderer = Callable[..., str]

OPEN = "<!-- make_docs: "
CLOSE = "<!-- /make_docs -->"
_BLOCK = re.compile(r"<!-- make_docs: (?P<spec>[^>]*?) -->(?P<body>.*?)<!-- /make_docs -->", re.S)


class BlockError(ValueError):
    """A block names no known renderer or passes it arguments it does not take."""


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """`bd_table run=docs/measured/x metric=psnr-rgb` -> ("bd_table", {"run": ..., ...})."""
    name, *pairs = shlex.split(spec)
    args = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            msg = f"make_docs block {name!r}: argument {pair!r} is not key=value"
            raise BlockError(msg)
        args[key] = value
    return name, args


def render_page(text: str, renderers: Mapping[str, Renderer], page: str = "") -> str:
    """`text` with every block's body replaced by what its renderer returns now. A renderer
    whose output ends in a newline is laid out as lines between the markers; otherwise the
    value stays inline (a number inside a sentence)."""

    def replace(match: re.Match[str]) -> str:
        spec = match["spec"]
        name, args = parse_spec(spec)
        renderer = renderers.get(name)
        if renderer is None:
            msg = f"{page}: unknown make_docs block {name!r} (known: {', '.join(renderers)})"
            raise BlockError(msg)
        try:
            body = renderer(**args)
        except TypeError as exc:
            msg = f"{page}: make_docs block {spec!r}: {exc}"
            raise BlockError(msg) from None
        if body.endswith("\n"):
            return f"{OPEN}{spec} -->\n{body}{CLOSE}"
        return f"{OPEN}{spec} -->{body}{CLOSE}"

    return _BLOCK.sub(replace, text)


def block_names(text: str) -> list[str]:
    """The renderer names of every block in `text`, in order."""
    return [parse_spec(m["spec"])[0] for m in _BLOCK.finditer(text)]
