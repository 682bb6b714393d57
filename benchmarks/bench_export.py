"""Benchmark of the event-log writers, against another checkout side by side (not a test).

Simulates ``n`` conversations once per checkout (the same seed and policy), then times
``to_xes`` and ``to_ocel`` of the whole run, alternating between the checkouts round after
round so that a change in the machine's load touches both alike. Each checkout runs in
its own process with its own ``src`` first on ``sys.path``; the best round of each is
reported with the ratio (this checkout's time / the baseline's).

Run, with a baseline checked out beside::

    git worktree add --detach /tmp/threetalk-old <commit>
    .venv/bin/python benchmarks/bench_export.py --baseline /tmp/threetalk-old/src -n 3000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

_CHILD = """
import json, sys, tempfile, time
from pathlib import Path
from threetalk.simulation import simulate
n, seed, policy = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
result = simulate(n, seed=seed, policy=policy)
events = sum(1 for _ in result.events())
print(json.dumps({"ready": events}), flush=True)
with tempfile.TemporaryDirectory() as folder:
    for line in sys.stdin:
        fmt = line.strip()
        path = Path(folder) / ("runs.xes" if fmt == "xes" else "runs.jsonocel")
        started = time.perf_counter()
        (result.to_xes if fmt == "xes" else result.to_ocel)(path)
        elapsed = time.perf_counter() - started
        print(json.dumps({"seconds": elapsed, "bytes": path.stat().st_size}), flush=True)
"""


def start(src: str, n: int, seed: int, policy: str) -> tuple[subprocess.Popen[str], int]:
    """A child process that has simulated the run with ``src`` first, and its event count."""
    environment = {**os.environ, "PYTHONPATH": src}
    child = subprocess.Popen(  # noqa: S603 - this Python, running our own script
        [sys.executable, "-c", _CHILD, str(n), str(seed), policy],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())["ready"]


def ask(child: subprocess.Popen[str], fmt: str) -> dict[str, float]:
    """Time one export in ``child``."""
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write(fmt + "\n")
    child.stdin.flush()
    answer: dict[str, float] = json.loads(child.stdout.readline())
    return answer


def main() -> None:
    """Parse the arguments, run the rounds and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the src folder of the baseline")
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--policy", default="conflicted")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    here = str(Path(__file__).resolve().parent.parent / "src")
    sides = {"baseline": arguments.baseline, "this": here}
    started = time.perf_counter()
    children = {
        name: start(src, arguments.n, arguments.seed, arguments.policy)
        for name, src in sides.items()
    }
    best: dict[tuple[str, str], dict[str, float]] = {}
    for _ in range(arguments.rounds):
        for fmt in ("xes", "ocel"):
            for name, (child, _events) in children.items():
                timing = ask(child, fmt)
                if (name, fmt) not in best or timing["seconds"] < best[name, fmt]["seconds"]:
                    best[name, fmt] = timing
    for child, _events in children.values():
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    events = {name: found for name, (_child, found) in children.items()}
    print(
        f"{arguments.n:,} conversations ({arguments.policy}, seed {arguments.seed}); "
        f"events: baseline {events['baseline']:,}, this {events['this']:,}; "
        f"best of {arguments.rounds} rounds; load {os.getloadavg()[0]:.2f}; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    print(
        f"{'export':<8}{'baseline s':>12}{'this s':>10}{'ratio':>8}{'MB before':>11}{'MB now':>9}"
    )
    for fmt in ("xes", "ocel"):
        old, new = best["baseline", fmt], best["this", fmt]
        print(
            f"{fmt:<8}{old['seconds']:>12.3f}{new['seconds']:>10.3f}"
            f"{new['seconds'] / old['seconds']:>8.2f}"
            f"{old['bytes'] / 1e6:>11.1f}{new['bytes'] / 1e6:>9.1f}"
        )
        per_event = {name: best[name, fmt]["seconds"] / events[name] * 1e6 for name in sides}
        print(f"{'':<8}{per_event['baseline']:>10.2f}µs{per_event['this']:>8.2f}µs  per event")


if __name__ == "__main__":
    main()
