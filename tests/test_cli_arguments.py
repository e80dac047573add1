"""The argument types and flag helpers the subcommands share (srcodec.cli.arguments)."""

from __future__ import annotations

import argparse

import pytest
from conftest import python_output

from srcodec.base.pillow import KNOBS
from srcodec.cli import arguments
from srcodec.metrics.scoring import SCORINGS


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("60", 60), ("100", 100)])
def test_quality_accepts_0_to_100(text: str, value: int) -> None:
    assert arguments.quality(text) == value


@pytest.mark.parametrize("text", ["-1", "101", "6.5", "high"])
def test_quality_refuses_the_rest(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="quality must be"):
        arguments.quality(text)


@pytest.mark.parametrize("text", ["0", "-3", "x", "1.5"])
def test_positive_refuses_what_is_not_a_positive_integer(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a positive integer"):
        arguments.positive(text)
    assert arguments.positive("7") == 7


def test_knob_values_gathers_every_codec() -> None:
    assert set(arguments.knob_values("subsampling")) == {
        v for knobs in KNOBS.values() for v in knobs.get("subsampling", ())
    }
    assert arguments.knob_values("no-such-knob") == ()


def _encode_namespace(*argv: str) -> argparse.Namespace:
    parser = arguments.Parser(prog="t")
    group = parser.add_argument_group("g")
    arguments.add_targets(group)
    arguments.add_pins(group, upscaler_default="auto", upscaler_help="h")
    return parser.parse_args(list(argv))


def test_targets_and_options_from_the_flags() -> None:
    args = _encode_namespace("--target-size", "900", "--tune", "iq")
    targets = arguments.targets(args)
    assert targets["target_size"] == 900
    assert set(targets) == {
        *(spec.target_keyword for spec in SCORINGS.values()),
        "target_size",
        "target_bpp",
    }
    assert arguments.base_options(args) == {"tune": "iq"}
    assert arguments.base_options(_encode_namespace()) is None


def test_shared_arguments_import_without_the_subcommands() -> None:
    """Subcommand modules import this module; it must not pull in the parser that imports
    them back."""
    code = (
        "import sys, srcodec.cli.arguments; "
        "print(sorted(m for m in sys.modules if m.startswith(('srcodec.batch', 'srcodec.cli.'))))"
    )
    assert python_output(code) == "['srcodec.cli.arguments', 'srcodec.cli.exits']"


def test_add_effort_and_memory_limit() -> None:
    parser = argparse.ArgumentParser()
    group = parser.add_argument_group("encode")
    arguments.add_effort(group, default=None, help_text="effort")
    arguments.add_memory_limit(parser, verb="skip", scope="; per worker")
    args = parser.parse_args(["--effort", "9", "--max-memory", "64"])
    assert (args.effort, args.max_memory) == (9, 64)
    assert parser.parse_args([]).max_memory is None
    assert "per worker); default: no limit" in " ".join(parser.format_help().split())
    with pytest.raises(SystemExit):
        parser.parse_args(["--effort", "10"])
