"""The ``threetalk`` command line.

Each subcommand lives in its own module, imported only when it runs, so that
``threetalk demo`` needs nothing beyond the core. A subcommand module provides
``configure(parser)`` (its arguments) and ``run(args) -> int`` (its exit code).

Exit codes: 0 ok, 1 verification or validation failed, 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, Final

from threetalk._exceptions import ThreetalkError

if TYPE_CHECKING:
    from collections.abc import Sequence

#: subcommand -> (module that implements it, one-line help)
SUBCOMMANDS: Final = {
    "demo": ("threetalk._demo", "run a full example conversation and print its timeline"),
    "verify": ("threetalk._store_cli", "verify every conversation's chain in a store"),
    "export": ("threetalk._store_cli", "export a store's events (JSONL)"),
    "import": ("threetalk._store_cli", "import a JSONL trail into a store, verifying first"),
    "simulate": ("threetalk._simulation_cli", "simulate many conversations under a policy"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="threetalk",
        description="Shared-decision-making conversations: demo, audit trails, simulation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            sub.set_defaults(module=None)
            continue
        configure = getattr(module, f"configure_{name}", None) or module.configure
        configure(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    module = args.module
    if module is None:
        print(f"threetalk {args.command}: not available in this installation", file=sys.stderr)
        return 2
    run = getattr(module, f"run_{args.command}", None) or module.run
    try:
        return int(run(args))
    except ThreetalkError as error:
        print(f"threetalk {args.command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"threetalk {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
