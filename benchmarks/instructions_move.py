"""Count CPU instructions per move, independent of machine load (needs valgrind).

Wall-clock ratios on a shared 2-core machine swing with whatever else runs; instruction
counts do not. This script runs one workload (argument ``move``, ``fill`` or ``bare``)
``N`` times; run it under callgrind with N = 0 and N = 1000 and subtract::

    for w in move fill bare; do for n in 0 1000; do
      valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/instructions_move.py $w $n 2>&1 | grep Collected
    done; done

- ``move``: the timed loop of ``bench_core.bench_move``: two ``move_to`` plus the two
  untimed commands that keep advisory A3 away;
- ``fill``: those two untimed commands alone;
- ``bare``: two bare transitions triggers with two cheap guards each.

Instructions per move = ((move1000 - move0) - (fill1000 - fill0)) / 2000, and per
trigger = (bare1000 - bare0) / 2000. A third argument names a built-in protocol
(``six_step``, ``youth_care``, ...; ``three_talk`` when left out): the conversation then
follows it, and the bare triggers get as many guards as its entry rules.
"""

from __future__ import annotations

import gc
import sys

from bench_core import PingPong, bare_machine  # type: ignore[import-not-found]

import threetalk as tt


def bare(number: int, protocol: tt.Protocol) -> None:
    """Two bare transitions triggers (``bench_core.bare_machine``), ``number`` times."""
    trigger, model = bare_machine(protocol)
    for _ in range(number):
        trigger(model)
        trigger(model)


def conversation(number: int, protocol: tt.Protocol, *, moves: bool) -> None:
    """The loop of ``bench_move``, with its moves or with its untimed commands alone."""
    party = PingPong(protocol)
    conv, client, pro, option, review = (
        party.conv,
        party.client,
        party.pro,
        party.option,
        party.review,
    )

    def professional_acts(index: int) -> None:
        if index % 2:
            conv.end_trial(option, "Tried it for a while", by=pro)
        else:
            conv.start_trial(option, review, by=pro)

    if moves:
        for index in range(number):
            conv.move_to(tt.Phase.OPTION_TALK, by=pro)
            professional_acts(index)
            conv.move_to(tt.Phase.TEAM_TALK, by=client)
            conv.add_topic("Still worried", by=client)
        assert not conv.advisories, conv.advisories
        return
    for _ in range(number):
        conv.add_topic("Still worried", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    for index in range(number):
        professional_acts(index)


def main() -> None:
    """Run the workload named on the command line."""
    gc.disable()
    what, number = sys.argv[1], int(sys.argv[2])
    protocol = tt.builtin_protocols()[sys.argv[3] if len(sys.argv) > 3 else "three_talk"]
    if what == "bare":
        bare(number, protocol)
    else:
        conversation(number, protocol, moves=what == "move")


if __name__ == "__main__":
    main()
