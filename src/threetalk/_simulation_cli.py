"""``threetalk simulate``: simulate many conversations and print the report.

Example::

    threetalk simulate -n 100000 --seed 7 --policy conflicted --workers 2 --out runs.xes

A progress bar is shown with ``rich`` when it is installed (``threetalk[cli]``), a plain
line per tenth of the run otherwise. Events stream to the ``--out`` files as the run goes;
only the summaries stay in memory.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any

from threetalk._exceptions import InvalidInput
from threetalk._protocols import three_talk, work_and_income
from threetalk.simulation import PRESETS, Policy, SimulationResult, simulate

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

_PROTOCOLS = {"three_talk": three_talk, "work_and_income": work_and_income}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``threetalk simulate``."""
    parser.add_argument("-n", type=int, default=1000, help="conversations (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    parser.add_argument(
        "--policy", choices=PRESETS, default="ideal", help="behaviour preset (default ideal)"
    )
    parser.add_argument(
        "--protocol", choices=sorted(_PROTOCOLS), default="three_talk", help="protocol"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--backend", choices=("processes", "dask"), default="processes", help="where to run"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    parser.add_argument(
        "--out",
        action="append",
        default=[],
        metavar="PATH",
        help="stream events to PATH (.xes, .jsonocel, .csv, .sqlite); may be repeated",
    )
    parser.add_argument(
        "--activity", choices=("kind", "phase"), default="kind", help="activity in --out files"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def run(args: argparse.Namespace) -> int:
    """Run the simulation; 0 when it completed, 2 for arguments it cannot use."""
    policy = Policy.preset(args.policy)
    started = time.perf_counter()
    try:
        result = _simulate(args, policy)
    except InvalidInput as error:
        print(f"threetalk simulate: {error}", file=sys.stderr)
        return 2
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
    return 0


def _simulate(args: argparse.Namespace, policy: Policy) -> SimulationResult:
    with _progress(args.n, quiet=args.quiet or args.json) as progress:
        return simulate(
            args.n,
            seed=args.seed,
            policy=policy,
            workers=args.workers,
            backend=args.backend,
            client=args.scheduler,
            keep_events=False,
            protocol=_PROTOCOLS[args.protocol](),
            out=args.out,
            activity=args.activity,
            progress=progress,
        )


class _progress:  # noqa: N801 - used like a function, as a context manager
    """A progress callback: a rich bar when rich is installed, plain lines otherwise."""

    def __init__(self, total: int, *, quiet: bool) -> None:
        self.total = total
        self.quiet = quiet
        self._bar: Any = None
        self._task: Any = None
        self._shown = 0

    def __enter__(self) -> Callable[[int, int], object] | None:
        if self.quiet:
            return None
        try:
            from rich.progress import Progress  # noqa: PLC0415 - optional dependency
        except ImportError:
            return self._plain
        self._bar = Progress(transient=True)
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
