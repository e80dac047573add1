"""`srcodec info`: describe a .srz stream, or list the base codecs and upscalers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from srcodec.cli import arguments
from srcodec.cli.exits import EXIT_OK
from srcodec.cli.files import stdin_bytes
from srcodec.cli.status import naming_files

if TYPE_CHECKING:
    import argparse


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `info` subcommand to argparse subparsers `sub`."""
    inf = sub.add_parser("info", help="describe a .srz stream, or list codecs without INPUT")
    inf.add_argument("input", nargs="?", help="the .srz stream; - for standard input")
    inf.add_argument("--json", action="store_true", help="machine-readable output")
    arguments.add_stream_pixel_limit(inf)
    inf.set_defaults(func=arguments.naming_flags(run, inf))
    return inf


def run(args: argparse.Namespace) -> int:
    from srcodec import stream_info

    if args.input is None:
        return _list_components(args.json)
    with naming_files(args.input):
        details = stream_info.info(stdin_bytes(args.input), max_pixels=args.max_pixels)
    if args.json:
        print(json.dumps(details, indent=2))
    else:
        for key, value in details.items():
            print(f"{key:15s} {_plain(value)}")
    return EXIT_OK


def _plain(value: object) -> str:
    """A value of `info` as a person reads it (--json keeps the types)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _list_components(as_json: bool) -> int:
    """Every registered base codec and upscaler, and whether this machine can run it."""
    from srcodec.base import BASE_CODECS
    from srcodec.upscale import UPSCALERS

    rows = []
    for kind, registry in (("base", BASE_CODECS), ("upscaler", UPSCALERS)):
        for entry in registry:
            missing = entry.missing()
            rows.append(
                {
                    "kind": kind,
                    "name": entry.name,
                    "id": entry.wire_id,
                    "available": missing is None,
                    "reason": missing,
                    "summary": entry.summary,
                }
            )
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            state = "yes" if r["available"] else f"no ({r['reason']})"
            print(
                f"{r['kind']:9s} {r['name']:10s} id {r['id']:<3d} "
                f"available: {state:5s} {r['summary']}"
            )
    return EXIT_OK
