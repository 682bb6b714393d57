"""Benchmark of the simulation toolkit (not a test).

Measures, side by side:

* **full fidelity**: ``simulate()`` on the real engine, audit hashing on, summaries only;
* **engine alone**: the commands that full fidelity gave each conversation, recorded once
  and then given again, at the same simulated times, to fresh conversations - the real
  engine with no policy, view or summaries: the ceiling of full fidelity on this machine;
* **floor**: a minimal hand-written dict-based state machine doing the same kind of walk
  (phases, a handful of guards as dict look-ups, a SHA-256 chained event per step) -
  what the walk costs with no engine at all;
* **transitions**: the idiomatic ``transitions`` walk: one machine, a model per
  conversation (``add_model``/``remove_model``), and at every step ``get_triggers`` and
  ``may_<trigger>()`` before firing, with the same events and hashing as the floor;
* the speed-up from 1 to 2 worker processes;
* with ``--million``: 1,000,000 conversations (``Policy.ideal()``, summaries only, 2
  workers), their wall time and peak memory (this process; the workers hold one chunk
  each).

Figures on a shared machine move with its load: the load average is printed with them,
and events per CPU second of the one-worker run are the figure least affected by it.

Run::

    .venv/bin/python benchmarks/bench_simulation.py [-n 3000] [--million] [--speedup-rounds 4]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import resource
import sys
import time
from typing import Any

from transitions import Machine

from threetalk import COMMANDS, Conversation, Option, Participant, Refused
from threetalk.simulation import Policy, simulate, simulate_one
from threetalk.simulation._run import _Clock

PHASES = ("preparation", "team_talk", "option_talk", "decision_talk", "evaluation")
TALKS = PHASES[1:]


def full_fidelity(n: int, seed: int, workers: int = 1) -> tuple[int, float, float]:
    """Events, wall seconds and this process's CPU seconds of ``simulate(n)``.

    The ideal policy, summaries only. With one worker the CPU seconds are the run's own,
    which is what a loaded machine does not distort.
    """
    started, cpu = time.perf_counter(), time.process_time()
    result = simulate(n, seed=seed, policy=Policy.ideal(), workers=workers, keep_events=False)
    elapsed = time.perf_counter() - started
    used = time.process_time() - cpu
    return sum(summary.events for summary in result.summaries), elapsed, used


#: A recorded command: its time, the method, and its arguments with participants and
#: options replaced by their ids (``("p1",)`` marks an object to look up again).
_Command = tuple[Any, str, tuple[Any, ...], dict[str, Any]]


def _mark(value: Any) -> Any:
    return (value.id,) if isinstance(value, Participant | Option) else value


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


def transitions_walk(n: int, seed: int, steps: int = 30) -> tuple[int, float]:
    """The idiomatic transitions walk: get_triggers + may_<trigger> at every move."""
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
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"n": args.n}

    figures["load_average_before"] = round(os.getloadavg()[0], 2)
    figures.update(full_and_engine_alone(args.n, args.seed))
    steps = round(figures["events_per_conversation"])
    floor_events, floor_seconds = floor(args.n, args.seed, steps=steps)
    figures["floor_events_per_s"] = round(floor_events / floor_seconds)
    t_events, t_seconds = transitions_walk(args.n, args.seed, steps=steps)
    figures["transitions_events_per_s"] = round(t_events / t_seconds)
    figures["floor_over_full"] = round(
        figures["floor_events_per_s"] / figures["full_events_per_s"], 1
    )
    figures["transitions_over_full"] = round(
        figures["transitions_events_per_s"] / figures["full_events_per_s"], 2
    )

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

    figures["load_average_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<28} {value:>14,}" if isinstance(value, int) else f"{key:<28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
