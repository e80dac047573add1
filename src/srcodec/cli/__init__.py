"""The `srcodec` command: encode | decode | info | enhance | compare | batch | rd | demo.

One module per subcommand, each with `add_parser(subparsers)` that sets `func` to its
runner. Only the CLI prints and only it catches SrcodecError: one line on stderr,
`srcodec: error: ...`, exit 1 when the files are at fault, 2 when the command line is,
128 + N after signal N (srcodec.cli.exits). Outputs are written atomically and never over
the input.
"""

from __future__ import annotations

from srcodec.cli.arguments import Parser
from srcodec.cli.exits import (
    EXIT_USAGE,
    print_error,
    run_reporting_errors,
    show_loss_warnings_on_one_line,
)

# subcommands that take exactly one INPUT and one OUTPUT, where many paths mean `batch`
_ONE_INPUT_ONE_OUTPUT = ("encode", "decode")


def build_parser() -> Parser:
    """The whole `srcodec` parser; subcommands are listed in the order added here."""
    from srcodec import __version__
    from srcodec.cli import batch, decode, demo, encode, enhance, info
    from srcodec.compare import command as compare

    parser = Parser(prog="srcodec", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"srcodec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in (encode, decode, info, enhance, demo):
        module.add_parser(sub)
    try:
        from srcodec.rd import command as rd
    except ImportError:  # rd needs the `rd` extra only when run, not to exist
        pass
    else:
        rd.add_parser(sub)
    batch.add_parser(sub)
    compare.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `srcodec` with `argv` (default: sys.argv[1:]); returns the exit status."""
    show_loss_warnings_on_one_line()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command in _ONE_INPUT_ONE_OUTPUT and not extra[0].startswith("-"):
        print_error(
            f"{args.command} takes one INPUT and one OUTPUT, got {2 + len(extra)} paths; for "
            f"many files use `srcodec batch SRC_DIR DST_DIR --{args.command}`"
        )
        return EXIT_USAGE
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return run_reporting_errors(args.func, args)
