"""``threetalk simulate``: simulate many conversations and print the report.

Example::

    threetalk simulate -n 100000 --seed 7 --policy conflicted --workers 2 --out runs.xes
    threetalk simulate -n 1000 --protocol youth_care --json

``--protocol NAME`` takes any built-in protocol (``threetalk.builtin_protocols()``).

Progress goes to standard error: a bar drawn with ``rich`` when standard error is a
terminal and rich is installed (``threetalk[cli]``), otherwise a plain line per tenth of
the run, so that a log file of a redirected run shows how far it got. Events stream to the
``--out`` files as the run goes; only the summaries stay in memory. An existing store is
written to only with ``--append``.

Options that would have no effect are usage errors rather than silently ignored:
``--scheduler`` without ``--backend dask``, ``--workers`` with ``--scheduler`` (the
cluster has its own), ``--activity`` without ``--out``, ``--append`` without an ``--out``
store.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any

from threetalk._exceptions import InvalidInput
from threetalk._guides import builtin_protocols
from threetalk.simulation import PRESETS, Policy, SimulationResult, simulate
from threetalk.simulation._export import format_of

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

#: The protocols ``--protocol`` names: every built-in one.
_PROTOCOLS = builtin_protocols()

OK = 0
USAGE = 2


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``threetalk simulate``."""
    parser.add_argument("-n", type=int, default=1000, help="conversations (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    parser.add_argument(
        "--policy", choices=PRESETS, default="ideal", help="behaviour preset (default ideal)"
    )
    parser.add_argument(
        "--protocol",
        choices=sorted(_PROTOCOLS),
        default="three_talk",
        metavar="NAME",
        help=f"built-in protocol: {', '.join(sorted(_PROTOCOLS))} (default three_talk)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="worker processes, or local Dask workers (default 1; not with --scheduler)",
    )
    parser.add_argument(
        "--backend", choices=("processes", "dask"), default="processes", help="where to run"
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --backend dask)"
    )
    parser.add_argument(
        "--out",
        action="append",
        default=[],
        metavar="PATH",
        help="stream events to PATH (.xes, .jsonocel, .csv, .sqlite); may be repeated",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="add the conversations to an --out store that exists already",
    )
    parser.add_argument(
        "--activity",
        choices=("kind", "phase"),
        help="activity in --out files (default kind)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def run(args: argparse.Namespace) -> int:
    """Run the simulation; 0 when it completed, 2 for arguments it cannot use."""
    problem = _unused_option(args)
    if problem is not None:
        print(f"threetalk simulate: {problem}", file=sys.stderr)
        return USAGE
    policy = Policy.preset(args.policy)
    started = time.perf_counter()
    try:
        result = _simulate(args, policy)
    except InvalidInput as error:
        print(f"threetalk simulate: {error}", file=sys.stderr)
        return USAGE
    except (OSError, ValueError) as error:
        if args.scheduler is None:
            raise
        # dask.distributed's own errors for an address it cannot parse or reach.
        print(
            f"threetalk simulate: cannot use the Dask scheduler at {args.scheduler!r}: {error}",
            file=sys.stderr,
        )
        return USAGE
    elapsed = time.perf_counter() - started
    report = result.report()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report)
        events = report.measure("events") * report.conversations
        print(f"\n{elapsed:.1f} s, {events / elapsed:,.0f} events/s")
        for path in args.out:
            print(f"events written to {path}")
    return OK


def _unused_option(args: argparse.Namespace) -> str | None:
    """What is wrong with an option that would have no effect, if one would not."""
    if args.scheduler is not None and args.backend != "dask":
        return "--scheduler needs --backend dask"
    if args.scheduler is not None and args.workers is not None:
        return "--workers has no effect with --scheduler (the cluster has its own workers)"
    if args.activity is not None and not args.out:
        return "--activity needs --out (it says what the --out files use as activity)"
    if args.append and not any(_is_store(path) for path in args.out):
        return "--append needs an --out store (.sqlite, .sqlite3 or .db) to add to"
    return None


def _is_store(path: str) -> bool:
    try:
        return format_of(path) == "sqlite"
    except InvalidInput:  # reported by simulate() itself, naming the suffixes it knows
        return False


def _simulate(args: argparse.Namespace, policy: Policy) -> SimulationResult:
    with _progress(args.n, quiet=args.quiet or args.json) as progress:
        return simulate(
            args.n,
            seed=args.seed,
            policy=policy,
            workers=1 if args.workers is None else args.workers,
            backend=args.backend,
            client=args.scheduler,
            keep_events=False,
            protocol=_PROTOCOLS[args.protocol],
            out=args.out,
            activity=args.activity or "kind",
            progress=progress,
            append=args.append,
        )


class _progress:  # noqa: N801 - used like a function, as a context manager
    """A progress callback on standard error: a rich bar on a terminal, plain lines else."""

    def __init__(self, total: int, *, quiet: bool) -> None:
        self.total = total
        self.quiet = quiet
        self._bar: Any = None
        self._task: Any = None
        self._shown = 0

    def __enter__(self) -> Callable[[int, int], object] | None:
        if self.quiet:
            return None
        if not _is_terminal(sys.stderr):
            return self._plain
        try:
            from rich.console import Console  # noqa: PLC0415 - optional dependency
            from rich.progress import Progress  # noqa: PLC0415 - optional dependency
        except ImportError:
            return self._plain
        self._bar = Progress(console=Console(file=sys.stderr), transient=True)
        self._bar.start()
        self._task = self._bar.add_task("simulating", total=self.total)
        return self._rich

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _rich(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)

    def _plain(self, done: int, total: int) -> None:
        tenth = done * 10 // total
        if tenth > self._shown or done == total:
            self._shown = tenth
            print(f"simulated {done:,} of {total:,}", file=sys.stderr, flush=True)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (OSError, ValueError):
        return False
