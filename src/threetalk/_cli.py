"""The ``threetalk`` command line.

Each subcommand lives in its own module, imported only when that subcommand runs (or shows
its help), so that ``threetalk --help`` and ``threetalk demo`` need nothing beyond the
core: no ``sqlite3``, no ``multiprocessing``, no simulation. A subcommand module provides
``configure_<name>(parser)`` or ``configure(parser)`` (its arguments) and ``run_<name>(args)``
or ``run(args)`` (its exit code).

Exit codes: 0 ok, 1 verification or validation failed, 2 usage or I/O error, 130
interrupted (Ctrl-C). Every failure is one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, Final, NoReturn

from threetalk._exceptions import StoreUnavailable, ThreetalkError

if TYPE_CHECKING:
    from collections.abc import Sequence

OK: Final = 0
FAILED: Final = 1
USAGE: Final = 2
#: What a shell reports for a command ended by SIGINT (128 + 2).
INTERRUPTED: Final = 130

#: subcommand -> (module that implements it, one-line help)
SUBCOMMANDS: Final = {
    "demo": (
        "threetalk._demo",
        "play a whole example conversation of a built-in protocol, step by step",
    ),
    "verify": ("threetalk._store_cli", "verify every conversation's chain in a store"),
    "export": ("threetalk._store_cli", "export a store's events (JSONL)"),
    "import": ("threetalk._store_cli", "import a JSONL trail into a store, verifying first"),
    "simulate": ("threetalk._simulation_cli", "simulate many conversations under a policy"),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit 2), not the usage text."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error in one line and exit with 2."""
        self.exit(USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """The parser; only the ``chosen`` subcommand's module is imported to configure it."""
    parser = _Parser(
        prog="threetalk",
        description="Shared-decision-making conversations: demo, audit trails, simulation.",
        epilog="Run 'threetalk COMMAND --help' for a command's options.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(module_name=module_name, module=None)
        if name != chosen:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        configure = getattr(module, f"configure_{name}", None) or module.configure
        configure(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Args:
        argv: The arguments after the program name (``sys.argv[1:]`` when not given).

    Returns:
        0 ok, 1 verification or validation failed, 2 usage or I/O error, 130 interrupted.

    Raises:
        SystemExit: For ``--help`` (0) and for arguments argparse cannot parse (2).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen(arguments)
    prefix = "threetalk" if chosen not in SUBCOMMANDS else f"threetalk {chosen}"
    try:
        args = _parser(chosen).parse_args(arguments)
        if args.module is None:
            print(f"{prefix}: not available in this installation", file=sys.stderr)
            return USAGE
        run = getattr(args.module, f"run_{args.command}", None) or args.module.run
        return int(run(args))
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except StoreUnavailable as error:  # an I/O error: the store could not be reached
        print(f"{prefix}: {error}", file=sys.stderr)
        return USAGE
    except ThreetalkError as error:
        print(f"{prefix}: {error}", file=sys.stderr)
        return FAILED
    except OSError as error:
        print(f"{prefix}: {error}", file=sys.stderr)
        return USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
