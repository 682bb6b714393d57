"""Benchmark of the simulation toolkit (not a test).

Measures, side by side:

* **full fidelity**: ``simulate()`` on the real engine, audit hashing on, summaries only;
* **every built-in protocol**: full fidelity under each of ``builtin_protocols()``, events
  per CPU second;
* with ``--baseline SRC``: full fidelity of every built-in protocol with another checkout's
  ``src`` (the commit before a change), each checkout in its own process, rounds
  alternating, so that the machine's load touches both alike; the ratio this / baseline
  is the no-regression figure (``three_talk()`` must stay within 10%);
* **engine alone**: the commands that full fidelity gave each conversation, recorded once
  and then given again, at the same simulated times, to fresh conversations - the real
  engine with no policy, view or summaries: the ceiling of full fidelity on this machine;
* **floor**: a minimal hand-written dict-based state machine doing the same kind of walk
  (phases, a handful of guards as dict look-ups, a SHA-256 chained event per step) -
  what the walk costs with no engine at all;
* **transitions peer** (the baseline SETTLED.md defines, as transitions' own README
  shows): a ``Machine(model=obj, ...)`` per conversation whose triggers are the moves and
  the acts (what is said in a phase, as internal transitions), at every step
  ``get_triggers`` and ``may_<trigger>()`` of each trigger to know what is allowed, a
  random choice, no audit trail;
* **transitions peer, moves only**: the same with only the moves as triggers (what is
  said is plain Python on the model), to show how much the peer's figure depends on what
  a researcher puts through transitions;
* **transitions, shared machine, hashed** (the figure earlier reports called "the
  idiomatic transitions walk"): one machine for all conversations
  (``add_model``/``remove_model``), ``get_triggers`` and one random trigger's
  ``may_<trigger>()`` only when the walk moves, and the floor's SHA-256 chain; kept for
  comparison with those reports, and labelled as what it is;
* the speed-up from 1 to 2 worker processes;
* with ``--million``: 1,000,000 conversations (``Policy.ideal()``, summaries only, 2
  workers), their wall time and peak memory (this process; the workers hold one chunk
  each).

Figures on a shared machine move with its load: the load average is printed with them,
and events per CPU second of the one-worker run are the figure least affected by it.

Run::

    .venv/bin/python benchmarks/bench_simulation.py [-n 3000] [--million] [--speedup-rounds 4]

Against the commit before a change, side by side::

    git worktree add --detach /tmp/threetalk-base <commit>
    .venv/bin/python benchmarks/bench_simulation.py -n 1500 --baseline /tmp/threetalk-base/src

Instructions per event, which the machine's load does not move: run ``--once 220`` and
``--once 20`` (seed 3) under callgrind and divide the difference by the difference of
the events they print::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/bench_simulation.py --once 220 --protocol youth_care
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from transitions import Machine

import threetalk
from threetalk import COMMANDS, Conversation, Refused
from threetalk import builtin_protocols as protocols
from threetalk.simulation import Policy, simulate, simulate_one
from threetalk.simulation._run import _Clock

PHASES = ("preparation", "team_talk", "option_talk", "decision_talk", "evaluation")
TALKS = PHASES[1:]


def full_fidelity(
    n: int, seed: int, workers: int = 1, protocol: str = "three_talk"
) -> tuple[int, float, float]:
    """Events, wall seconds and this process's CPU seconds of ``simulate(n)``.

    The ideal policy, summaries only, under the built-in ``protocol``. With one worker the
    CPU seconds are the run's own, which is what a loaded machine does not distort.
    """
    chosen = protocols()[protocol]
    started, cpu = time.perf_counter(), time.process_time()
    result = simulate(
        n,
        seed=seed,
        policy=Policy.ideal(),
        workers=workers,
        keep_events=False,
        protocol=chosen,
    )
    elapsed = time.perf_counter() - started
    used = time.process_time() - cpu
    return sum(summary.events for summary in result.summaries), elapsed, used


#: A recorded command: its time, the method, and its arguments with participants and
#: options replaced by their ids (``("p1",)`` marks an object to look up again).
_Command = tuple[Any, str, tuple[Any, ...], dict[str, Any]]


#: The values a command returns and later commands name (``Question`` only where the
#: checkout has it: ``--once`` runs against older checkouts too).
_MADE = tuple(
    getattr(threetalk, name)
    for name in ("Participant", "Option", "Question")
    if hasattr(threetalk, name)
)


def _mark(value: Any) -> Any:
    return (value.id,) if isinstance(value, _MADE) else value


def record_commands(n: int, seed: int) -> list[tuple[str, Any, list[_Command]]]:
    """Each simulated conversation's id, start time and commands, as ``simulate`` gives them."""
    recorded: list[_Command] = []
    originals = {name: getattr(Conversation, name) for name in COMMANDS}

    def recording(name: str) -> Any:
        method = originals[name]

        def record(self: Conversation, *args: Any, **kwargs: Any) -> Any:
            marked = (tuple(map(_mark, args)), {k: _mark(v) for k, v in kwargs.items()})
            recorded.append((self._clock(), name, *marked))
            return method(self, *args, **kwargs)

        return record

    scripts = []
    try:
        for name in COMMANDS:
            setattr(Conversation, name, recording(name))
        for index in range(n):
            recorded = []
            conversation = simulate_one(index, seed=seed, policy=Policy.ideal())
            scripts.append((conversation.id, conversation.events[0].at, recorded))
    finally:
        for name, method in originals.items():
            setattr(Conversation, name, method)
    return scripts


def engine_alone(scripts: list[tuple[str, Any, list[_Command]]]) -> tuple[int, float]:
    """Events and CPU seconds of giving the recorded commands to fresh conversations."""
    methods = {name: getattr(Conversation, name) for name in COMMANDS}
    started = time.process_time()
    events = 0
    for conversation_id, opened_at, commands in scripts:
        clock = _Clock(opened_at)
        conversation = Conversation(conversation_id=conversation_id, clock=clock)
        made: dict[str, Any] = {}
        for at, name, marked_args, marked_kwargs in commands:
            clock.now = at
            args, kwargs = marked_args, marked_kwargs
            if made:
                args = tuple(made[a[0]] if type(a) is tuple else a for a in args)
                kwargs = {k: made[v[0]] if type(v) is tuple else v for k, v in kwargs.items()}
            try:
                result = methods[name](conversation, *args, **kwargs)
            except Refused:
                continue
            if result is not None:
                made[result.id] = result
        events += len(conversation.events)
    return events, time.process_time() - started


class _Chain:
    """A SHA-256 chained event list, as cheap as it gets."""

    __slots__ = ("events", "prev")

    def __init__(self) -> None:
        self.events: list[tuple[int, str, str, str]] = []
        self.prev = "0" * 64

    def add(self, kind: str, phase: str) -> None:
        seq = len(self.events) + 1
        payload = f'{{"kind":"{kind}","phase":"{phase}","prev":"{self.prev}","seq":{seq}}}'
        digest = hashlib.sha256(payload.encode()).hexdigest()
        self.events.append((seq, kind, phase, digest))
        self.prev = digest


def _walk_state() -> dict[str, Any]:
    return {"phase": "preparation", "people": 0, "problem": False, "goal": False, "options": 0}


def _enter_ok(state: dict[str, Any], target: str) -> bool:
    if target == "team_talk":
        return bool(state["people"] >= 2)
    if target == "option_talk":
        return bool(state["problem"] and state["goal"])
    if target == "decision_talk":
        return bool(state["options"] >= 2)
    return True


_FLOOR_MOVES = {
    "preparation": ("team_talk",),
    **{t: tuple(x for x in TALKS if x != t) for t in TALKS},
}
_SAYS = {
    "preparation": ("joined", "joined", "topic-added"),
    "team_talk": ("problem-stated", "goal-added", "concern-added"),
    "option_talk": ("option-proposed", "consideration-added", "consideration-added"),
    "decision_talk": ("preference-stated", "decision-proposed", "consented"),
    "evaluation": ("evaluated",),
}


def _say(state: dict[str, Any], kind: str) -> None:
    if kind == "joined":
        state["people"] += 1
    elif kind == "problem-stated":
        state["problem"] = True
    elif kind == "goal-added":
        state["goal"] = True
    elif kind == "option-proposed":
        state["options"] += 1


def floor(n: int, seed: int, steps: int = 30) -> tuple[int, float]:
    """The dict-based walk: ``steps`` events per conversation."""
    rng = random.Random(seed)
    started = time.perf_counter()
    events = 0
    for _ in range(n):
        state = _walk_state()
        chain = _Chain()
        chain.add("opened", "preparation")
        for _step in range(steps - 1):
            phase = state["phase"]
            if rng.random() < 0.25:
                target = rng.choice(_FLOOR_MOVES[phase])
                if _enter_ok(state, target):
                    chain.add("moved", phase)
                    state["phase"] = target
                else:
                    chain.add("refused", phase)
            else:
                kind = rng.choice(_SAYS[phase])
                _say(state, kind)
                chain.add(kind, phase)
        events += len(chain.events)
    return events, time.perf_counter() - started


class _Talk:
    """A conversation as transitions' README has it: a plain model object, no audit trail."""

    def __init__(self) -> None:
        self.data = _walk_state()


def _said(kind: str) -> Any:
    return lambda event: _say(event.model.data, kind)


#: The peer's transitions. With transitions alone every act is a trigger: the moves the
#: floor has, guarded by the floor's rules, and what is said in each phase as internal
#: transitions (``dest=None``) whose callback records it in the model's data.
_PEER_MOVES = [
    {
        "trigger": f"to_{target}",
        "source": phase,
        "dest": target,
        "conditions": [lambda event, t=target: _enter_ok(event.model.data, t)],
    }
    for phase, targets in _FLOOR_MOVES.items()
    for target in targets
]
_PEER_ACTS = [
    {"trigger": kind.replace("-", "_"), "source": phase, "dest": None, "after": [_said(kind)]}
    for phase, kinds in _SAYS.items()
    for kind in sorted(set(kinds))
]
_PEER_TRANSITIONS = _PEER_MOVES + _PEER_ACTS
_MOVE_TRIGGERS = frozenset(move["trigger"] for move in _PEER_MOVES)


def transitions_peer(n: int, seed: int, steps: int = 30) -> tuple[int, float]:
    """SETTLED.md's transitions peer: a ``Machine(model=obj, ...)`` per conversation; at
    every step ``get_triggers`` and each trigger's ``may_<trigger>()`` say what is
    allowed, and a random choice among it is fired; no audit trail.

    Moves and acts are both triggers (see :data:`_PEER_TRANSITIONS`); a quarter of the
    steps move when a move is allowed, as in the floor. Every step is one event.
    """
    rng = random.Random(seed)
    started = time.perf_counter()
    events = 0
    for _ in range(n):
        talk = _Talk()
        machine = Machine(
            model=talk,
            states=list(PHASES),
            transitions=_PEER_TRANSITIONS,
            initial="preparation",
            auto_transitions=False,
            send_event=True,
        )
        events += 1  # opened
        for _step in range(steps - 1):
            allowed = [
                trigger
                for trigger in machine.get_triggers(talk.state)  # type: ignore[attr-defined]
                if getattr(talk, f"may_{trigger}")()
            ]
            moves = [trigger for trigger in allowed if trigger in _MOVE_TRIGGERS]
            acts = [trigger for trigger in allowed if trigger not in _MOVE_TRIGGERS]
            pick = moves if moves and (not acts or rng.random() < 0.25) else acts
            getattr(talk, rng.choice(pick))()
            events += 1
    return events, time.perf_counter() - started


def transitions_peer_moves_only(n: int, seed: int, steps: int = 30) -> tuple[int, float]:
    """The peer with only the moves as triggers (what is said is plain Python on the
    model's data): how much the peer's figure depends on what goes through transitions.

    A machine per conversation; at every step ``get_triggers`` and ``may_<trigger>()`` of
    each move; a quarter of the steps fire a random allowed move, the rest say something.
    """
    rng = random.Random(seed)
    started = time.perf_counter()
    events = 0
    for _ in range(n):
        talk = _Talk()
        machine = Machine(
            model=talk,
            states=list(PHASES),
            transitions=_PEER_MOVES,
            initial="preparation",
            auto_transitions=False,
            send_event=True,
        )
        events += 1  # opened
        for _step in range(steps - 1):
            phase = talk.state  # type: ignore[attr-defined]
            allowed = [
                trigger
                for trigger in machine.get_triggers(phase)
                if getattr(talk, f"may_{trigger}")()
            ]
            if allowed and rng.random() < 0.25:
                getattr(talk, rng.choice(allowed))()
            else:
                _say(talk.data, rng.choice(_SAYS[phase]))
            events += 1
    return events, time.perf_counter() - started


class _Model:
    """A conversation as transitions likes it: a plain object it decorates."""

    def __init__(self) -> None:
        self.data = _walk_state()
        self.chain = _Chain()


def _transitions_machine() -> Machine:
    machine = Machine(
        model=None,
        states=list(PHASES),
        initial="preparation",
        auto_transitions=False,
        send_event=True,
    )
    for phase, targets in _FLOOR_MOVES.items():
        for target in targets:
            machine.add_transition(
                f"to_{target}",
                phase,
                target,
                conditions=[lambda e, t=target: _enter_ok(e.model.data, t)],
                after=[lambda e: e.model.chain.add("moved", e.model.state)],
            )
    return machine


def transitions_shared_hashed(n: int, seed: int, steps: int = 30) -> tuple[int, float]:
    """One shared machine (``add_model``), ``get_triggers`` and one trigger's ``may_``
    only when moving, the floor's SHA-256 chain: not SETTLED.md's peer (see
    :func:`transitions_peer`), kept to compare with earlier reports."""
    rng = random.Random(seed)
    machine = _transitions_machine()
    started = time.perf_counter()
    events = 0
    for _ in range(n):
        model = _Model()
        machine.add_model(model)
        model.chain.add("opened", "preparation")
        for _step in range(steps - 1):
            phase = model.state
            if rng.random() < 0.25:
                trigger = rng.choice(machine.get_triggers(phase))
                if getattr(model, f"may_{trigger}")():
                    getattr(model, trigger)()
                else:
                    model.chain.add("refused", phase)
            else:
                kind = rng.choice(_SAYS[phase])
                _say(model.data, kind)
                model.chain.add(kind, phase)
        events += len(model.chain.events)
        machine.remove_model(model)
    return events, time.perf_counter() - started


def full_and_engine_alone(n: int, seed: int, rounds: int = 3) -> dict[str, Any]:
    """Full fidelity and the engine alone on the same conversations, side by side.

    They take turns, best of ``rounds`` each, so that a change in the machine's load
    between them does not pass for a difference between them.
    """
    scripts = record_commands(n, seed)
    full: list[tuple[float, float]] = []
    alone: list[float] = []
    events = 0
    for _round in range(rounds):
        events, seconds, cpu = full_fidelity(n, seed)
        full.append((seconds, cpu))
        engine_events, engine_cpu = engine_alone(scripts)
        if engine_events != events:
            msg = f"the engine alone recorded {engine_events} events, full fidelity {events}"
            raise AssertionError(msg)
        alone.append(engine_cpu)
    seconds, cpu = min(wall for wall, _ in full), min(used for _, used in full)
    return {
        "full_events_per_s": round(events / seconds),
        "full_events_per_cpu_s": round(events / cpu),
        "events_per_conversation": round(events / n, 1),
        "engine_alone_events_per_cpu_s": round(events / min(alone)),
        "engine_share_of_full": round(min(alone) / cpu, 2),
    }


_CHILD = """
import json, sys, time
import threetalk
from threetalk.simulation import Policy, simulate
protocols = threetalk.builtin_protocols()
n, seed = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    name = line.strip()
    started, cpu = time.perf_counter(), time.process_time()
    result = simulate(n, seed=seed, policy=Policy.ideal(), keep_events=False,
                      protocol=protocols[name])
    used, wall = time.process_time() - cpu, time.perf_counter() - started
    events = sum(summary.events for summary in result.summaries)
    print(json.dumps({"events": events, "cpu": used, "wall": wall}), flush=True)
"""


def side_by_side(baseline: str, n: int, seed: int, rounds: int) -> dict[str, Any]:
    """Full fidelity of every built-in protocol in two checkouts, rounds alternating.

    Each checkout runs in its own process with its own ``src`` on ``PYTHONPATH``; a round
    gives each protocol to both, in an order that alternates from round to round. The
    best round (most events per CPU second) of each counts, and the median over the
    rounds of each round's ratio (less moved by one lucky round) is given beside it.
    """
    here = str(Path(__file__).resolve().parent.parent / "src")
    sides = {"baseline": baseline, "this": here}
    children = {}
    for side, src in sides.items():
        child = subprocess.Popen(  # noqa: S603 - this Python, running our own script
            [sys.executable, "-c", _CHILD, str(n), str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": src},
        )
        assert child.stdout is not None
        json.loads(child.stdout.readline())
        children[side] = child
    rates: dict[tuple[str, str], list[float]] = {}
    events: dict[tuple[str, str], int] = {}
    try:
        for round_ in range(rounds):
            for name in sorted(protocols()):
                order = ("baseline", "this") if round_ % 2 == 0 else ("this", "baseline")
                for side in order:
                    child = children[side]
                    assert child.stdin is not None
                    assert child.stdout is not None
                    child.stdin.write(name + "\n")
                    child.stdin.flush()
                    answer = json.loads(child.stdout.readline())
                    rates.setdefault((side, name), []).append(answer["events"] / answer["cpu"])
                    events[side, name] = answer["events"]
    finally:
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    best = {key: max(values) for key, values in rates.items()}
    return {
        name: {
            "baseline_events_per_cpu_s": round(best["baseline", name]),
            "this_events_per_cpu_s": round(best["this", name]),
            "this_over_baseline": round(best["this", name] / best["baseline", name], 3),
            "this_over_baseline_median_of_rounds": round(
                statistics.median(
                    this / base
                    for this, base in zip(rates["this", name], rates["baseline", name], strict=True)
                ),
                3,
            ),
            "baseline_events_per_conversation": round(events["baseline", name] / n, 1),
            "this_events_per_conversation": round(events["this", name] / n, 1),
        }
        for name in sorted(protocols())
    }


def peers(n: int, seed: int, figures: dict[str, Any]) -> dict[str, Any]:
    """The floor and the transitions walks, as long as full fidelity's conversations, and
    their ratios to full fidelity's ``full_events_per_s`` in ``figures``."""
    steps = round(figures["events_per_conversation"])
    found: dict[str, Any] = {}
    for name, walk in (
        ("floor", floor),
        ("transitions_peer", transitions_peer),
        ("transitions_peer_moves_only", transitions_peer_moves_only),
        ("transitions_shared_hashed", transitions_shared_hashed),
    ):
        events, seconds = walk(n, seed, steps=steps)
        found[f"{name}_events_per_s"] = round(events / seconds)
    full = figures["full_events_per_s"]
    found["floor_over_full"] = round(found["floor_events_per_s"] / full, 1)
    found["full_over_transitions_peer"] = round(full / found["transitions_peer_events_per_s"], 2)
    found["full_over_transitions_peer_moves_only"] = round(
        full / found["transitions_peer_moves_only_events_per_s"], 2
    )
    found["transitions_shared_hashed_over_full"] = round(
        found["transitions_shared_hashed_events_per_s"] / full, 2
    )
    return found


def _burn(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def machine_speedup(n: int = 3_000_000) -> float:
    """The 1-to-2 process speed-up of plain Python arithmetic on this machine right now.

    A shared or loaded machine may not give two free cores; the simulation's speed-up is
    best read against this one.
    """
    context = multiprocessing.get_context("forkserver")
    with context.Pool(2) as pool:
        pool.map(_burn, [1000, 1000])
        one = _burn(2 * n)
        started = time.perf_counter()
        pool.map(_burn, [n, n])
        two = time.perf_counter() - started
    return one / two


def peak_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (also as JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="conversations per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 (slow)")
    parser.add_argument(
        "--speedup-rounds", type=int, default=1, help="rounds of the 1 -> 2 workers measurement"
    )
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        help="another checkout's src folder: measure every protocol side by side with it",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds side by side")
    parser.add_argument(
        "--no-speedup", action="store_true", help="skip the 1 -> 2 workers measurement"
    )
    parser.add_argument(
        "--once",
        type=int,
        metavar="N",
        help="only simulate N conversations once and print their events (for callgrind)",
    )
    parser.add_argument(
        "--protocol", default="three_talk", choices=sorted(protocols()), help="with --once"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.once is not None:
        events, _, _ = full_fidelity(args.once, 3, protocol=args.protocol)
        print(events)
        return 0
    figures: dict[str, Any] = {"n": args.n}

    figures["load_average_before"] = round(os.getloadavg()[0], 2)
    if args.baseline:
        for name, row in side_by_side(args.baseline, args.n, args.seed, args.rounds).items():
            for key, value in row.items():
                figures[f"{name}: {key}"] = value
    else:
        for name in sorted(protocols()):
            events, _, cpu = full_fidelity(args.n, args.seed, protocol=name)
            figures[f"{name}: events_per_cpu_s"] = round(events / cpu)
            figures[f"{name}: events_per_conversation"] = round(events / args.n, 1)
    figures.update(full_and_engine_alone(args.n, args.seed))
    figures.update(peers(args.n, args.seed, figures))
    if args.no_speedup:
        return _report(figures, as_json=args.json)

    scale_n = args.n * 4
    figures["speedup_n"] = scale_n
    for round_ in range(1, args.speedup_rounds + 1):
        suffix = "" if args.speedup_rounds == 1 else f"_{round_}"
        _, one, _ = full_fidelity(scale_n, args.seed, workers=1)
        _, two, _ = full_fidelity(scale_n, args.seed, workers=2)
        figures[f"one_worker_s{suffix}"] = round(one, 2)
        figures[f"two_workers_s{suffix}"] = round(two, 2)
        figures[f"speedup_1_to_2{suffix}"] = round(one / two, 2)
        figures[f"machine_speedup_1_to_2{suffix}"] = round(machine_speedup(), 2)

    if args.million:
        events, seconds, _ = full_fidelity(1_000_000, args.seed, workers=2)
        figures["million_s"] = round(seconds, 1)
        figures["million_events"] = events
        figures["million_peak_mb"] = round(peak_mb(), 1)

    return _report(figures, as_json=args.json)


def _report(figures: dict[str, Any], *, as_json: bool) -> int:
    """Print the figures (with the load average now) as a table or as JSON."""
    figures["load_average_after"] = round(os.getloadavg()[0], 2)
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<50} {value:>14,}" if isinstance(value, int) else f"{key:<50} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
