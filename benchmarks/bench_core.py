"""Benchmark of the core engine, measured side by side in one run.

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_core.py [--quick]``.

1. ``move_to`` (rules + audit event) vs a bare ``transitions`` trigger with the same number
   of cheap guards, under ``three_talk()``, ``six_step()`` and ``youth_care()`` (whose
   option talk adds rule R15); target ratio <= 1.5.
2. ``allowed_moves()`` vs idiomatic transitions (``get_triggers`` + ``may_<trigger>``);
   target >= 10x faster.
3. Creating 100,000 conversations with 3 participants each: time per creation must stay
   flat, memory per conversation beyond its events <= 2 KB.
4. A scripted 30-command conversation end to end: conversations per second.
5. ``why_not(OPTION_TALK)`` under the custom-protocol example's protocol (its extra rule
   reads the ``ConversationView``) vs under ``three_talk()``, in the same state; target
   ratio <= 2.5. The same rule written against ``snapshot()``, as it was before the view,
   is measured beside them.
6. ``conv.progress()`` and ``conv.prompts()`` in a typical decision-talk state vs one
   ``move_to`` (decision talk and back) of the same conversation, under every built-in
   protocol; target: each costs at most one move (ratio <= 1).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib.util
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from transitions import Machine

import threetalk as tt
from threetalk.testing import StepClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType

    from threetalk._guards import Rule
    from threetalk.typing import ConversationView

#: Where the benchmarks' clocks start; they tick one second per call.
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def best_per_call(function: Any, number: int, repeat: int = 5) -> float:
    """Best mean seconds per call over ``repeat`` rounds of ``number`` calls (GC off)."""
    rounds = []
    for _ in range(repeat):
        with gc_paused():
            start = time.perf_counter()
            for _ in range(number):
                function()
            rounds.append((time.perf_counter() - start) / number)
    return min(rounds)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a timed section, as ``timeit`` does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def in_team_talk(
    protocol: tt.Protocol | None = None,
) -> tuple[tt.Conversation, tt.Participant, tt.Participant]:
    """A conversation in team talk that may go to option talk and back."""
    conv = tt.Conversation(protocol, clock=StepClock(START), conversation_id="bench")
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Professional", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("The problem as both see it", by=client)
    conv.add_goal("A goal of the client", by=client)
    _understood(conv, client, pro)
    return conv, client, pro


def _understood(conv: tt.Conversation, client: tt.Participant, pro: tt.Participant) -> None:
    """Where option talk needs it (youth care, R15), the client's teach-back check."""
    if any(
        rule.code == "needs-understanding"
        for rule in conv.protocol.entry_rules.get(tt.Phase.OPTION_TALK, ())
    ):
        conv.check_understanding(client, understood=True, note="Said it back", by=pro)


# ---------------------------------------------------------------- 1. move_to


class PingPong:
    """A conversation going back and forth between team and option talk, A3 kept away.

    Between two moves, the one who moved says something in the new phase and the other one
    will move on, so no advisory A3 is due and each move is its rule checks plus one audit
    event: the move alone. Those commands keep the state bounded (a trial started and ended
    in turn), and every ``SPAN`` round trips (1,000 events, a long conversation) a fresh
    conversation takes over, untimed, so the log in memory stays the size of a real one
    instead of growing by hundreds of megabytes over a run.
    """

    SPAN = 250

    def __init__(self, protocol: tt.Protocol | None = None) -> None:
        self.review = date(2027, 6, 1)
        self.protocol = protocol
        self.fresh()

    def fresh(self) -> None:
        """Start over with a new conversation in team talk, ready to move to option talk."""
        conv, client, pro = in_team_talk(self.protocol)
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)
        option = conv.propose_option("Wait and see", by=client)
        conv.add_consideration(option, tt.Stance.PRO, "No upheaval", by=pro)
        conv.move_to(tt.Phase.TEAM_TALK, by=client)
        conv.add_concern("Still worried", by=client)
        self.conv, self.client, self.pro, self.option = conv, client, pro, option
        self.advisories = len(conv.advisories)

    def round(self, number: int, timed: Callable[[tt.Phase, tt.Participant], bool]) -> float:
        """Mean seconds of ``timed(phase, mover)``, called where each of the moves is due.

        ``timed`` returns whether it made the move itself; if not, the move is made untimed.
        """
        perf = time.perf_counter
        took = 0.0
        with gc_paused():
            for index in range(number):
                if index % self.SPAN == 0:
                    assert len(self.conv.advisories) == self.advisories, "a move raised one"
                    self.fresh()
                conv, client, pro, option = self.conv, self.client, self.pro, self.option
                start = perf()
                moved = timed(tt.Phase.OPTION_TALK, pro)
                took += perf() - start
                if not moved:
                    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
                if index % 2:
                    conv.end_trial(option, "Tried it for a while", by=pro)
                else:
                    conv.start_trial(option, self.review, by=pro)
                start = perf()
                moved = timed(tt.Phase.TEAM_TALK, client)
                took += perf() - start
                if not moved:
                    conv.move_to(tt.Phase.TEAM_TALK, by=client)
                conv.add_topic("Still worried", by=client)
        assert len(self.conv.advisories) == self.advisories, "a move raised an advisory"
        return took / (2 * number)


def bare_machine(protocol: tt.Protocol | None = None) -> tuple[Callable[[Any], bool], Any]:
    """The baseline of a move: a bare transitions trigger and the model it steps.

    Same graph step as a move between team and option talk (back and forth with one
    trigger), with as many always-true conditions as ``move_to`` checks entry rules.
    """
    protocol = protocol or tt.three_talk()
    guards = max(
        len(protocol.entry_rules[tt.Phase.OPTION_TALK]),
        len(protocol.entry_rules[tt.Phase.TEAM_TALK]),
    )

    class Bare:
        def __init__(self) -> None:
            self.state = "team"

    cheap = [lambda _event: True] * guards
    machine = Machine(
        model=None,
        states=["team", "option"],
        initial="team",
        auto_transitions=False,
        send_event=True,
    )
    machine.add_transition("go", "team", "option", conditions=cheap)
    machine.add_transition("go", "option", "team", conditions=cheap)
    return machine.events["go"].trigger, Bare()


def bench_move(
    number: int, rounds: int = 5, protocol: tt.Protocol | None = None
) -> dict[str, float]:
    """``move_to`` (timed) in a ping-pong vs a bare transitions trigger, two ways.

    The bare trigger is timed alone in a tight loop (everything it touches stays hot in the
    caches), and again interleaved with the same work as our moves: a second ping-pong whose
    moves are untimed, with the trigger timed where each move is due. Rounds alternate, and
    the best round of each counts.
    """
    ours, other = PingPong(protocol), PingPong(protocol)

    def move(phase: tt.Phase, by: tt.Participant) -> bool:
        ours.conv.move_to(phase, by=by)
        return True

    trigger, bare = bare_machine(protocol)

    def bare_trigger(_phase: tt.Phase, _by: tt.Participant) -> bool:
        trigger(bare)
        return False

    timings: dict[str, list[float]] = {"ours": [], "bare": [], "between": []}
    for _ in range(rounds):
        timings["ours"].append(ours.round(number, move))
        timings["bare"].append(best_per_call(lambda: trigger(bare), number, repeat=1))
        timings["between"].append(other.round(number, bare_trigger))
    best = {name: min(values) for name, values in timings.items()}
    return {
        "move_to_us": best["ours"] * 1e6,
        "bare_trigger_us": best["bare"] * 1e6,
        "ratio": best["ours"] / best["bare"],
        "bare_between_us": best["between"] * 1e6,
        "ratio_between": best["ours"] / best["between"],
    }


# ---------------------------------------------------------------- 2. allowed_moves


def bench_allowed_moves(number: int) -> dict[str, float]:
    """``allowed_moves()`` vs ``get_triggers`` + ``may_<trigger>`` on the same rules."""
    conv, client, pro = in_team_talk()
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    first = conv.propose_option("Day treatment", by=client)
    conv.propose_option("Wait and see", by=pro)
    conv.add_consideration(first, tt.Stance.PRO, "Sleeps at home", by=client)
    protocol = conv.protocol

    class Model:
        state = tt.Phase.OPTION_TALK.name

    def condition(rule: Rule) -> Any:
        return lambda: rule.check(conv) is None

    machine = Machine(
        model=None,
        states=[phase.name for phase in tt.Phase],
        initial=tt.Phase.OPTION_TALK.name,
        auto_transitions=False,
    )
    for src, to in sorted(protocol.moves, key=str):
        machine.add_transition(
            f"to_{to.value}",
            src.name,
            to.name,
            conditions=[condition(rule) for rule in protocol.entry_rules.get(to, ())],
        )
    model = Model()
    machine.add_model(model, initial=tt.Phase.OPTION_TALK.name)

    def idiomatic() -> frozenset[str]:
        return frozenset(
            trigger
            for trigger in machine.get_triggers(model.state)
            if getattr(model, f"may_{trigger}")()
        )

    assert {f"to_{phase.value}" for phase in conv.allowed_moves()} == idiomatic()
    ours = best_per_call(conv.allowed_moves, number)
    theirs = best_per_call(idiomatic, number)
    return {"allowed_moves_us": ours * 1e6, "idiomatic_us": theirs * 1e6, "speedup": theirs / ours}


# ---------------------------------------------------------------- 3. many conversations


def _create(index: int, clock: StepClock) -> tt.Conversation:
    conv = tt.Conversation(conversation_id=f"c{index}", clock=clock)
    conv.join("Client", tt.Role.CLIENT)
    conv.join("Relative", tt.Role.RELATIVE)
    conv.join("Professional", tt.Role.PROFESSIONAL)
    return conv


def bench_creation(total: int, batch: int, measured: int) -> dict[str, Any]:
    """Create ``total`` conversations with three participants, all kept alive.

    Time per creation is taken per batch (without tracing, which slows allocation); memory
    is traced separately over ``measured`` further conversations.
    """
    clock = StepClock(START)
    alive: list[tt.Conversation] = []
    per_batch = []
    for start in range(0, total, batch):
        began = time.perf_counter()
        alive.extend(_create(index, clock) for index in range(start, start + batch))
        per_batch.append((time.perf_counter() - began) / batch)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    traced = [_create(index, clock) for index in range(total, total + measured)]
    gc.collect()
    with_events = tracemalloc.get_traced_memory()[0] - before
    events = sum(len(conv._events) for conv in traced)
    for conv in traced:
        conv._events.clear()  # measurement only: what is left is the state without its log
    gc.collect()
    without_events = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    first, last = per_batch[0], per_batch[-1]
    return {
        "conversations": len(alive),
        "first_batch_us": first * 1e6,
        "last_batch_us": last * 1e6,
        "growth": last / first,
        "bytes_per_conversation": with_events / measured,
        "bytes_beyond_events": without_events / measured,
        "bytes_per_event": (with_events - without_events) / events,
    }


def transitions_machine_per_model(count: int) -> float:
    """Bytes per conversation if each had its own transitions Machine (the road not taken)."""

    class Model:
        pass

    protocol = tt.three_talk()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = []
    for _ in range(count):
        model = Model()
        machine = Machine(
            model=model,
            states=[phase.name for phase in tt.Phase],
            initial=tt.Phase.PREPARATION.name,
            auto_transitions=False,
        )
        for src, to in protocol.moves:
            machine.add_transition(f"to_{to.value}", src.name, to.name)
        keep.append(machine)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / count


# ---------------------------------------------------------------- 4. a whole conversation


def scripted_conversation(index: int) -> tt.Conversation:
    """Thirty commands: preparation to close, with one refusal and one back-jump."""
    conv = tt.Conversation(conversation_id=f"s{index}", clock=StepClock(START))
    client = conv.join("Client", tt.Role.CLIENT)  # 1
    partner = conv.join("Partner", tt.Role.RELATIVE)  # 2
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)  # 3
    conv.add_topic("Keep training without leaving home?", by=client)  # 4
    conv.add_goal("Walk to the shop alone", by=client)  # 5
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)  # 6
    conv.state_problem("Progress has stalled", by=pro)  # 7
    conv.add_concern("Being away from the children", by=partner)  # 8
    conv.add_topic("Transport", by=partner)  # 9
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)  # 10
    days = conv.propose_option("Four day-treatment days", by=client)  # 11
    clinic = conv.propose_option("Clinical admission", by=pro)  # 12
    wait = conv.propose_option("Wait and see", by=partner)  # 13
    with contextlib.suppress(tt.Refused):
        conv.move_to(tt.Phase.DECISION_TALK, by=pro)  # 14: refused, options lack pros/cons
    conv.add_consideration(days, tt.Stance.PRO, "Sleeps at home", by=partner)  # 15
    conv.add_consideration(clinic, tt.Stance.PRO, "Most training hours", by=pro)  # 16
    conv.add_consideration(clinic, tt.Stance.CON, "Weeks away from home", by=client)  # 17
    conv.add_consideration(wait, tt.Stance.CON, "Progress stays stalled", by=pro)  # 18
    conv.state_preference(days, by=client)  # 19
    conv.move_to(tt.Phase.DECISION_TALK, by=pro)  # 20
    conv.state_preference(None, by=partner)  # 21
    conv.pause(date(2026, 11, 30), "Time to think it over", by=client)  # 22
    conv.resume(by=pro)  # 23
    conv.propose_decision(
        days,
        who="Client and therapist",
        what="Four day-treatment days",
        when=date(2026, 12, 1),
        review_on=date(2027, 1, 12),
        by=pro,
    )  # 24
    conv.object("Four days is a lot at first", by=client)  # 25
    conv.propose_decision(
        days,
        who="Client and therapist",
        what="Three days, four from January",
        when=date(2026, 12, 1),
        review_on=date(2027, 1, 12),
        by=pro,
    )  # 26
    conv.consent(by=client)  # 27
    conv.move_to(tt.Phase.EVALUATION, by=pro)  # 28
    conv.evaluate("Walking further each week", "I could say what mattered", by=client)  # 29
    conv.close(by=pro)  # 30
    return conv


def bench_scripted(number: int) -> dict[str, float]:
    """Conversations per second, and events per second, for the 30-command script."""
    events = len(scripted_conversation(0).events)
    counter = iter(range(1, 10**9))
    per_call = best_per_call(lambda: scripted_conversation(next(counter)), number, repeat=3)
    return {
        "events_per_conversation": events,
        "conversations_per_s": 1 / per_call,
        "events_per_s": events / per_call,
    }


# ---------------------------------------------------------------- 5. a rule of your own


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "custom_protocol.py"


def load_example() -> ModuleType:
    """``examples/custom_protocol.py`` as a module."""
    spec = importlib.util.spec_from_file_location("custom_protocol", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def goal_through_snapshot(view: ConversationView) -> str | None:
    """The example's rule as it was before the view: it reads a snapshot of the state."""
    snapshot = view.snapshot()
    with_goal = {goal.by for goal in snapshot.goals}
    missing = [
        participant.name
        for participant in snapshot.participants
        if participant.role is tt.Role.CLIENT and participant.id not in with_goal
    ]
    if not missing:
        return None
    return f"Every client names a goal before options are weighed; {', '.join(missing)} has not."


def families(protocol: tt.Protocol) -> tt.Conversation:
    """The example's family in team talk, ready for option talk: both clients named a goal."""
    conv = tt.Conversation(protocol, clock=StepClock(START), conversation_id="family")
    mother = conv.join("Ilse", tt.Role.CLIENT)
    son = conv.join("Daan", tt.Role.CLIENT)
    worker = conv.join("Fatima", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=worker)
    conv.state_problem("Arguments at home every evening", by=worker)
    conv.add_goal("Quiet evenings", by=mother)
    conv.add_goal("Football twice a week", by=son)
    return conv


def bench_own_rule(number: int, rounds: int = 5) -> dict[str, float]:
    """``why_not(OPTION_TALK)``: built-in rules only, plus the example's rule, plus it on a
    snapshot; rounds alternate and the best of each counts."""
    youth_care = load_example().youth_care()
    entry = dict(youth_care.entry_rules)
    *built_in, _ = entry[tt.Phase.OPTION_TALK]
    snapshot_rule = tt.Rule("every-client-goal", "", goal_through_snapshot)
    entry[tt.Phase.OPTION_TALK] = (*built_in, snapshot_rule)
    through_snapshot = attrs.evolve(youth_care, name="youth_care_snapshot", entry_rules=entry)
    conversations = {
        "three_talk": families(tt.three_talk()),
        "view": families(youth_care),
        "snapshot": families(through_snapshot),
    }
    for conv in conversations.values():
        assert conv.why_not(tt.Phase.OPTION_TALK) == ()
    timings: dict[str, list[float]] = {name: [] for name in conversations}
    for _ in range(rounds):
        for name, conv in conversations.items():
            call = functools.partial(conv.why_not, tt.Phase.OPTION_TALK)
            timings[name].append(best_per_call(call, number, repeat=1))
    best = {name: min(values) * 1e6 for name, values in timings.items()}
    return {
        "built_in_us": best["three_talk"],
        "view_us": best["view"],
        "snapshot_us": best["snapshot"],
        "ratio_view": best["view"] / best["three_talk"],
        "ratio_snapshot": best["snapshot"] / best["three_talk"],
    }


def in_decision_talk(protocol: tt.Protocol) -> tuple[tt.Conversation, tt.Participant]:
    """A client, a relative and a professional in decision talk, two options weighed."""
    conv = tt.Conversation(protocol, clock=StepClock(START))
    client = conv.join("Anna", tt.Role.CLIENT)
    partner = conv.join("Bram", tt.Role.RELATIVE)
    pro = conv.join("Carla", tt.Role.PROFESSIONAL)
    conv.add_topic("Work", by=client)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("Tired after half a day", by=pro)
    conv.add_goal("Three mornings a week", by=client)
    conv.add_concern("Money", by=partner)
    _understood(conv, client, pro)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    two = conv.propose_option("Two mornings", by=client)
    wait = conv.propose_option("Wait a month", by=partner)
    conv.add_consideration(two, tt.Stance.PRO, "Slow start", by=client)
    conv.add_consideration(wait, tt.Stance.CON, "Loses rhythm", by=partner)
    conv.move_to(tt.Phase.DECISION_TALK, by=pro)
    conv.state_preference(two, by=client)
    return conv, pro


def _move_next(conv: tt.Conversation, by: tt.Participant, targets: Iterator[tt.Phase]) -> None:
    conv.move_to(next(targets), by=by)


def bench_guidance(number: int, rounds: int = 5) -> dict[str, dict[str, float]]:
    """``progress()`` and ``prompts()`` vs a ``move_to`` there and back, per protocol."""
    found = {}
    for protocol in tt.builtin_protocols().values():
        conv, _ = in_decision_talk(protocol)
        mover, mover_pro = in_decision_talk(protocol)
        targets = iter([tt.Phase.OPTION_TALK, tt.Phase.DECISION_TALK] * (number * (rounds + 1) * 2))
        move = functools.partial(_move_next, mover, mover_pro, targets)
        best: dict[str, list[float]] = {"move": [], "progress": [], "prompts": []}
        for _ in range(rounds):
            best["move"].append(best_per_call(move, number, repeat=1))
            best["progress"].append(best_per_call(conv.progress, number, repeat=1))
            best["prompts"].append(best_per_call(conv.prompts, number, repeat=1))
        us = {name: min(values) * 1e6 for name, values in best.items()}
        found[protocol.name] = {
            **{f"{name}_us": value for name, value in us.items()},
            "ratio_progress": us["progress"] / us["move"],
            "ratio_prompts": us["prompts"] / us["move"],
        }
    return found


def main() -> None:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    quick = parser.parse_args().quick
    scale = 10 if quick else 1
    print(f"Python {sys.version.split()[0]}, threetalk benchmark{' (quick)' if quick else ''}")
    for protocol in (tt.three_talk(), tt.six_step(), tt.youth_care()):
        move = bench_move(20_000 // scale, protocol=protocol)
        print(
            f"1. {protocol.name}: move_to {move['move_to_us']:.1f} us vs bare trigger "
            f"{move['bare_trigger_us']:.1f} us -> ratio {move['ratio']:.2f} (target <= 1.5)\n"
            f"   bare trigger between the same commands as move_to: "
            f"{move['bare_between_us']:.1f} us -> ratio {move['ratio_between']:.2f}"
        )
    allowed = bench_allowed_moves(20_000 // scale)
    print(
        f"2. allowed_moves {allowed['allowed_moves_us']:.2f} us vs get_triggers+may_ "
        f"{allowed['idiomatic_us']:.1f} us -> {allowed['speedup']:.1f}x faster (target >= 10x)"
    )
    created = bench_creation(100_000 // scale, 10_000 // scale, 20_000 // scale)
    print(
        f"3. {created['conversations']:,} conversations: {created['first_batch_us']:.1f} us each "
        f"in the first batch, {created['last_batch_us']:.1f} us in the last "
        f"(x{created['growth']:.2f}); {created['bytes_per_conversation']:,.0f} B each with "
        f"events, {created['bytes_beyond_events']:,.0f} B beyond its events (target <= 2048), "
        f"{created['bytes_per_event']:,.0f} B per event"
    )
    print(
        f"   a transitions Machine per conversation: {transitions_machine_per_model(1000):,.0f} B"
    )
    scripted = bench_scripted(2_000 // scale)
    print(
        f"4. 30-command conversation ({scripted['events_per_conversation']} events): "
        f"{scripted['conversations_per_s']:,.0f} conversations/s, "
        f"{scripted['events_per_s']:,.0f} events/s"
    )
    own = bench_own_rule(100_000 // scale)
    print(
        f"5. why_not(OPTION_TALK) with the example's own rule on the view {own['view_us']:.2f} us"
        f" vs three_talk() {own['built_in_us']:.2f} us -> ratio {own['ratio_view']:.2f}"
        f" (target <= 2.5)\n"
        f"   the same rule on snapshot(): {own['snapshot_us']:.2f} us"
        f" -> ratio {own['ratio_snapshot']:.2f}"
    )
    for name, guide in bench_guidance(5_000 // scale).items():
        print(
            f"6. {name}: progress() {guide['progress_us']:.1f} us, prompts() "
            f"{guide['prompts_us']:.1f} us vs move_to {guide['move_us']:.1f} us -> ratios "
            f"{guide['ratio_progress']:.2f} and {guide['ratio_prompts']:.2f} (target <= 1)"
        )


if __name__ == "__main__":
    main()
