"""The simulation toolkit: reproducibility, fidelity to the engine, presets, bad input."""

from __future__ import annotations

import gc
import pickle
import weakref
from collections import Counter
from typing import TYPE_CHECKING

import attrs
import pytest

import threetalk as tt
from policies import CrashesAt, Garbage, OwnActions
from threetalk.simulation import (
    MEASURES,
    PRESETS,
    Action,
    EventsNotKept,
    Outcome,
    Policy,
    PolicyError,
    Report,
    SimulationResult,
    Summary,
    View,
    conversation_id,
    conversation_seed,
    simulate,
    simulate_one,
    summarise,
)

if TYPE_CHECKING:
    import random
    from pathlib import Path

    from threetalk import Event


@pytest.fixture(scope="module")
def runs() -> dict[str, SimulationResult]:
    """A few thousand conversations per realistic preset, fixed seeds, summaries only."""
    return {
        name: simulate(1500, seed=11, policy=name, keep_events=False)
        for name in ("ideal", "hasty", "conflicted", "exploratory")
    }


@pytest.fixture(scope="module")
def small() -> dict[str, SimulationResult]:
    """A small run with events of every preset, under both built-in protocols."""
    out = {name: simulate(80, seed=5, policy=name) for name in PRESETS}
    out["conflicted/work_and_income"] = simulate(
        80, seed=5, policy="conflicted", protocol=tt.work_and_income()
    )
    return out


def recount(events: tuple[Event, ...]) -> dict[str, object]:
    """A summary counted again from the events, independently of the simulator's code."""
    kinds = Counter(event.kind for event in events)
    refusals: Counter[str] = Counter()
    for event in events:
        if event.kind == "refused":
            refusals.update(reason["code"] for reason in event.data["reasons"])
    advisories = Counter(event.data["code"] for event in events if event.kind == "advisory")
    order = [phase.value for phase in tt.Phase]
    moves = [event for event in events if event.kind == "moved"]
    back = sum(1 for e in moves if order.index(e.data["to"]) < order.index(e.phase.value))
    return {
        "events": len(events),
        "moves": kinds["moved"],
        "back_jumps": back,
        "refusals": kinds["refused"],
        "refusals_by_code": tuple(sorted(refusals.items())),
        "advisories": kinds["advisory"],
        "advisories_by_code": tuple(sorted(advisories.items())),
        "sittings": 1 + kinds["resumed"],
        "pauses": kinds["paused"],
        "options": kinds["option-proposed"],
        "duration_seconds": int((events[-1].at - events[0].at).total_seconds()),
    }


def final_outcome(conversation: tt.Conversation, events: tuple[Event, ...]) -> Outcome:
    """The outcome as the replayed conversation's final state tells it."""
    decision = conversation.decision
    if decision is not None:
        return Outcome(decision.how.value)
    reached = any(e.kind == "moved" and e.data["to"] == "decision_talk" for e in events)
    return Outcome.NO_DECISION if reached else Outcome.CLOSED_EARLY


class TestDeterminism:
    def test_same_seed_same_run(self) -> None:
        """Two runs with the same seed produce equal summaries and equal events."""
        first = simulate(30, seed=3, policy="exploratory")
        second = simulate(30, seed=3, policy="exploratory")

        assert first.summaries == second.summaries
        assert list(first.events()) == list(second.events())

    def test_workers_and_chunks_do_not_matter(self) -> None:
        """One worker, two worker processes and other chunk sizes give the same run."""
        one = simulate(40, seed=9, policy="conflicted")
        two = simulate(40, seed=9, policy="conflicted", workers=2, chunk_size=7)

        assert one.summaries == two.summaries
        assert list(one.events()) == list(two.events())

    def test_dask_gives_the_same_run(self) -> None:
        """A Dask LocalCluster of two workers (as a Client or an address) gives the same run."""
        distributed = pytest.importorskip("dask.distributed")
        one = simulate(40, seed=9, policy="hasty")
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            on_dask = simulate(40, seed=9, policy="hasty", backend="dask", client=client)
            by_address = simulate(
                40,
                seed=9,
                policy="hasty",
                backend="dask",
                client=cluster.scheduler_address,
                keep_events=False,
            )

        assert one.summaries == on_dask.summaries == by_address.summaries
        assert list(one.events()) == list(on_dask.events())

    def test_seed_changes_the_run(self) -> None:
        """Another seed gives other conversations, with ids derived from seed and index."""
        a = simulate(10, seed=1)
        b = simulate(10, seed=2)

        assert a.summaries[3].conversation_id == "sim-1-3"
        assert [s.events for s in a.summaries] != [s.events for s in b.summaries]
        assert conversation_seed(1, 3) != conversation_seed(2, 3)

    def test_simulate_one_reproduces_a_conversation(self) -> None:
        """simulate_one(index) rebuilds exactly the conversation of that index in a run."""
        run = simulate(12, seed=4, policy="conflicted")

        alone = simulate_one(7, seed=4, policy=Policy.conflicted())

        assert alone.events == next(e for i, e in enumerate(run.conversations()) if i == 7)


class TestFidelity:
    def test_every_conversation_verifies_and_replays(
        self, small: dict[str, SimulationResult]
    ) -> None:
        """Every simulated conversation's events pass verify() and replay() to the same state."""
        for result in small.values():
            for events in result.conversations():
                head = tt.verify(events)
                again = tt.replay(events, result.protocol)

                assert head.seq == len(events)
                assert again.events == events
                assert again.phase is tt.Phase.CLOSED

    def test_summaries_agree_with_a_recount(self, small: dict[str, SimulationResult]) -> None:
        """Each summary's counts and outcome agree with a recount from its events."""
        for result in small.values():
            for summary, events in zip(result.summaries, result.conversations(), strict=True):
                counted = recount(events)
                outcome = final_outcome(tt.replay(events, result.protocol), events)

                assert {name: getattr(summary, name) for name in counted} == counted
                assert summary.outcome is outcome
                assert summary.conversation_id == events[0].conversation_id

    def test_summaries_are_frozen_values(self, small: dict[str, SimulationResult]) -> None:
        """Summaries are frozen, hashable, picklable, with an OPTION-5 proxy in 0-100."""
        summary = small["ideal"].summaries[0]

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            summary.events = 0  # type: ignore[misc]
        assert pickle.loads(pickle.dumps(summary)) == summary  # noqa: S301 - our own bytes
        assert hash(summary) == hash(attrs.evolve(summary))
        for result in small.values():
            for s in result.summaries:
                assert 0 <= s.option5 <= 100
                assert all(0 <= item <= 4 for item in s.option5_items)
                assert s.option5 == pytest.approx(sum(s.option5_items) * 5, abs=0.06)

    def test_refusals_happen_and_are_survived(self, small: dict[str, SimulationResult]) -> None:
        """The random stress policy is mostly refused, and every conversation still closes."""
        report = small["random"].report()

        assert report.measure("refusals") > 5
        assert dict(report.refusals_by_code)["wrong-phase"] > 0

    def test_imposition_only_where_allowed(self, small: dict[str, SimulationResult]) -> None:
        """Conflicted talks impose under work_and_income and are refused under three_talk."""
        strict = small["conflicted"].report()
        lenient = small["conflicted/work_and_income"].report()

        assert strict.rate(Outcome.IMPOSED) == 0
        assert dict(strict.refusals_by_code).get("imposing-not-allowed", 0) > 0
        assert lenient.rate(Outcome.IMPOSED) > 0


class TestPresets:
    def test_ideal_mostly_agrees(self, runs: dict[str, SimulationResult]) -> None:
        """The ideal conversation is agreed (or delegated) and hardly ever refused."""
        report = runs["ideal"].report()

        assert report.rate("agreed") > 0.85
        assert report.rate("agreed") + report.rate("delegated") == 1
        assert report.measure("refusals") < 0.05

    def test_hasty_is_refused_more_and_scores_lower(
        self, runs: dict[str, SimulationResult]
    ) -> None:
        """Hasty talks have more refusals, more A1/A2/A4 advisories and a lower proxy."""
        ideal, hasty = runs["ideal"].report(), runs["hasty"].report()
        ideal_adv, hasty_adv = dict(ideal.advisories_by_code), dict(hasty.advisories_by_code)

        assert hasty.measure("refusals") > ideal.measure("refusals") + 2
        assert hasty.measure("option5") < ideal.measure("option5") - 10
        for code in (
            "professional-proposed-first",
            "professional-preference-early",
            "no-pause-before-decision",
        ):
            assert hasty_adv.get(code, 0) > 3 * ideal_adv.get(code, 0)
        assert dict(hasty.refusals_by_code)["missing-preference"] > 0

    def test_conflicted_pauses_more_and_agrees_less(
        self, runs: dict[str, SimulationResult]
    ) -> None:
        """Conflicted talks pause more, sit more often and end agreed less often."""
        ideal, conflicted = runs["ideal"].report(), runs["conflicted"].report()

        assert conflicted.measure("pauses") > ideal.measure("pauses") + 0.3
        assert conflicted.measure("sittings") > ideal.measure("sittings")
        assert conflicted.rate("agreed") < ideal.rate("agreed") - 0.1
        assert conflicted.rate("no decision") + conflicted.rate("closed early") > 0.1

    def test_exploratory_goes_back(self, runs: dict[str, SimulationResult]) -> None:
        """Exploratory talks jump back far more often and try options out."""
        ideal, exploratory = runs["ideal"].report(), runs["exploratory"].report()

        assert exploratory.measure("back_jumps") > ideal.measure("back_jumps") + 0.5
        assert exploratory.measure("options") > 2
        assert exploratory.measure("sittings") > ideal.measure("sittings")

    def test_presets_by_name(self) -> None:
        """Every preset can be named, and the name gives the classmethod's policy."""
        for name in PRESETS:
            assert Policy.preset(name) == getattr(Policy, name)()


class TestResult:
    def test_report_as_text_and_dict(self, small: dict[str, SimulationResult]) -> None:
        """report() aggregates rates and quantiles, as a table and as a dict."""
        report = small["conflicted"].report()
        data = report.to_dict()

        assert isinstance(report, Report)
        assert data["conversations"] == 80
        assert sum(o["count"] for o in data["outcomes"].values()) == 80
        assert sum(o["rate"] for o in data["outcomes"].values()) == pytest.approx(1)
        stats = data["measures"]["events"]
        assert stats["min"] <= stats["p25"] <= stats["median"] <= stats["p75"] <= stats["max"]
        assert "outcome" in str(report)
        assert "option5" in str(report)

    def test_keep_events_false_keeps_summaries_only(self) -> None:
        """Without events, the summaries are the same and asking for events says why not."""
        with_events = simulate(15, seed=2)
        without = simulate(15, seed=2, keep_events=False)

        assert with_events.summaries == without.summaries
        with pytest.raises(EventsNotKept, match="keep_events"):
            next(without.events())

    def test_out_streams_while_running(self, tmp_path: Path) -> None:
        """out= streams events to files even when the run keeps summaries only."""
        kept = simulate(25, seed=8, policy="hasty")
        kept.to_csv(tmp_path / "kept.csv")

        simulate(25, seed=8, policy="hasty", keep_events=False, out=tmp_path / "streamed.csv")

        assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "kept.csv").read_bytes()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]

    def test_streaming_keeps_memory_flat(self, tmp_path: Path) -> None:
        """Streaming 4x more conversations to a file does not need 4x the memory."""
        import gc
        import tracemalloc

        def peak(n: int) -> int:
            gc.collect()
            tracemalloc.start()
            try:
                simulate(
                    n,
                    seed=1,
                    keep_events=False,
                    chunk_size=20,
                    out=tmp_path / f"runs-{n}.xes",
                )
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        peak(20)  # warm up: first-use allocations (imports, caches) count in neither
        small, large = peak(60), peak(240)

        assert large < 1.5 * small

    def test_repr_is_short(self, small: dict[str, SimulationResult]) -> None:
        """A result's repr names the run, not every summary."""
        text = repr(small["ideal"])

        assert text.startswith("<SimulationResult of 80 conversations, seed 5")
        assert len(text) < 200

    def test_events_are_in_index_order(self, small: dict[str, SimulationResult]) -> None:
        """events() yields the conversations in index order, each oldest first."""
        ids = [e.conversation_id for e in small["ideal"].events() if e.seq == 1]

        assert ids == [f"sim-5-{i}" for i in range(80)]

    def test_summary_to_dict(self, small: dict[str, SimulationResult]) -> None:
        """A summary as a dict holds plain data."""
        data = small["hasty"].summaries[0].to_dict()

        assert isinstance(data["outcome"], str)
        assert isinstance(data["refusals_by_code"], dict)


class _Foreign:
    def choose(self, view: View, rng: random.Random) -> Action:
        other = tt.Conversation(conversation_id="elsewhere")
        stranger = other.join("Stranger", tt.Role.CLIENT)
        if not view.clients:
            return Action("join", role=tt.Role.CLIENT)
        return Action("add_topic", by=stranger)


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "argument"),
        [
            ({"n": 0}, "n"),
            ({"n": -3}, "n"),
            ({"n": 2.5}, "n"),
            ({"workers": 0}, "workers"),
            ({"seed": "seven"}, "seed"),
            ({"policy": "reckless"}, "policy"),
            ({"policy": object()}, "policy"),
            ({"backend": "spark"}, "backend"),
            ({"out": "runs.parquet"}, "out"),
            ({"out": "/no/such/folder/runs.xes"}, "out"),
            ({"activity": "colour"}, "activity"),
            ({"protocol": "three_talk"}, "protocol"),
            ({"chunk_size": 0}, "chunk_size"),
        ],
    )
    def test_rejected_before_any_work(self, kwargs: dict[str, object], argument: str) -> None:
        """Malformed arguments are InvalidInput naming the argument, before anything runs."""
        arguments: dict[str, object] = {"n": 5, "seed": 1, **kwargs}

        with pytest.raises(tt.InvalidInput) as caught:
            simulate(**arguments)  # type: ignore[arg-type]

        assert caught.value.argument == argument

    @pytest.mark.parametrize(
        ("field", "value"),
        [("object", 1.5), ("pause", -0.1), ("chaos", float("nan")), ("relative", "often")],
    )
    def test_probabilities_outside_0_1(self, field: str, value: object) -> None:
        """A probability outside [0, 1] is InvalidInput naming the parameter."""
        with pytest.raises(tt.InvalidInput, match=field) as caught:
            Policy(**{field: value})  # type: ignore[arg-type]

        assert caught.value.argument == field

    def test_unwritable_path(self, tmp_path: Path) -> None:
        """A folder given as output file is refused before any work."""
        with pytest.raises(tt.InvalidInput, match="folder"):
            simulate(5, seed=1, out=tmp_path)

    def test_garbage_from_a_policy_names_index_and_seed(self) -> None:
        """A policy that returns garbage fails with the conversation's index and seed."""
        with pytest.raises(PolicyError, match=r"conversation 0 \(seed 42\)") as caught:
            simulate(3, seed=42, policy=Garbage())

        assert (caught.value.index, caught.value.seed) == (0, 42)
        assert isinstance(caught.value, tt.InvalidInput)

    def test_foreign_participant_from_a_policy(self) -> None:
        """An action by someone of another conversation is a PolicyError, not a crash."""
        with pytest.raises(PolicyError, match="cannot be carried out"):
            simulate(2, seed=1, policy=_Foreign())

    def test_crashing_policy_names_index(self) -> None:
        """An exception inside a policy is reported with the index and seed to reproduce it."""
        with pytest.raises(PolicyError, match=r"conversation 4 \(seed 9\)") as caught:
            simulate(6, seed=9, policy=CrashesAt(4))

        assert isinstance(caught.value.__cause__, RuntimeError)

    @pytest.mark.parametrize(
        ("kwargs", "argument"),
        [
            ({"policy": Policy}, "policy"),
            ({"policy": "ideal", "workers": True}, "workers"),
            ({"out": 5}, "out"),
            ({"out": "nul\x00.xes"}, "out"),
            ({"keep_events": "yes"}, "keep_events"),
            ({"append": 1}, "append"),
            ({"activity": ["kind"]}, "activity"),
            ({"backend": ["processes"]}, "backend"),
            ({"client": "tcp://127.0.0.1:8786"}, "client"),
        ],
    )
    def test_more_rejected_before_any_work(self, kwargs: dict[str, object], argument: str) -> None:
        """Classes, junk paths and flags that are not flags are InvalidInput too."""
        arguments: dict[str, object] = {"n": 5, "seed": 1, **kwargs}

        with pytest.raises(tt.InvalidInput) as caught:
            simulate(**arguments)  # type: ignore[arg-type]

        assert caught.value.argument == argument

    def test_the_policy_class_instead_of_a_policy(self) -> None:
        """Passing the class Policy says to pass an instance and names the presets."""
        with pytest.raises(tt.InvalidInput, match=r"the class Policy itself") as caught:
            simulate(10, seed=1, policy=Policy)  # type: ignore[arg-type]

        assert "Policy.ideal()" in str(caught.value)
        assert caught.value.argument == "policy"

    def test_own_class_instead_of_a_policy(self) -> None:
        """Passing one's own policy class says to pass an instance of it."""
        with pytest.raises(tt.InvalidInput, match=r"e\.g\. Garbage\(\)"):
            simulate(3, seed=1, policy=Garbage)  # type: ignore[arg-type]

    def test_simulate_one_takes_a_policy_object(self) -> None:
        """simulate_one with a preset's name says which policy object to pass."""
        with pytest.raises(tt.InvalidInput, match=r"pass Policy\.ideal\(\)") as caught:
            simulate_one(3, seed=7, policy="ideal")  # type: ignore[arg-type]

        assert caught.value.argument == "policy"

    def test_simulate_one_with_an_unknown_name_lists_the_presets(self) -> None:
        """An unknown name lists every preset."""
        with pytest.raises(tt.InvalidInput) as caught:
            simulate_one(3, seed=7, policy="idael")  # type: ignore[arg-type]

        for name in PRESETS:
            assert f"Policy.{name}()" in str(caught.value)

    @pytest.mark.parametrize(
        ("index", "seed", "argument"),
        [(-1, 7, "index"), (1.0, 7, "index"), (True, 7, "index"), (3, "7", "seed")],
    )
    def test_simulate_one_index_and_seed(self, index: object, seed: object, argument: str) -> None:
        """A negative or non-whole index (no id "sim-7--1") or seed is InvalidInput."""
        with pytest.raises(tt.InvalidInput) as caught:
            simulate_one(index, seed=seed, policy=Policy.ideal())  # type: ignore[arg-type]

        assert caught.value.argument == argument

    def test_simulate_one_max_steps_and_protocol(self) -> None:
        """max_steps below 1 and a protocol that is not one are InvalidInput."""
        with pytest.raises(tt.InvalidInput, match="max_steps"):
            simulate_one(0, seed=7, policy=Policy.ideal(), max_steps=0)
        with pytest.raises(tt.InvalidInput, match="protocol"):
            simulate_one(0, seed=7, policy=Policy.ideal(), protocol="three_talk")  # type: ignore[arg-type]

    @pytest.mark.parametrize("pace", [0, -5, float("nan"), float("inf"), "fast", True])
    def test_policy_pace_must_be_positive(self, pace: object) -> None:
        """A policy whose seconds_per_utterance is no positive number is refused up front."""

        class Paced(Garbage):
            seconds_per_utterance = pace

        with pytest.raises(tt.InvalidInput, match="seconds_per_utterance"):
            simulate(2, seed=1, policy=Paced())

    def test_conversation_id_and_seed_need_whole_numbers(self) -> None:
        """conversation_id and conversation_seed refuse what would make odd ids."""
        with pytest.raises(tt.InvalidInput, match="index"):
            conversation_id(7, -1)
        with pytest.raises(tt.InvalidInput, match="seed"):
            conversation_seed("7", 1)  # type: ignore[arg-type]

    def test_summarise_nothing(self) -> None:
        """summarise([]) is InvalidInput, not an IndexError."""
        with pytest.raises(tt.InvalidInput, match="none were given") as caught:
            summarise([])

        assert caught.value.argument == "events"

    def test_summarise_something_else(self) -> None:
        """summarise of things that are not events, or of two conversations, is refused."""
        one = simulate_one(0, seed=1, policy=Policy.ideal()).events
        two = simulate_one(1, seed=1, policy=Policy.ideal()).events

        with pytest.raises(tt.InvalidInput, match="only events"):
            summarise(["opened"])  # type: ignore[list-item]
        with pytest.raises(tt.InvalidInput, match="several"):
            summarise([*one, *two])
        with pytest.raises(tt.InvalidInput, match="sequence"):
            summarise("events")  # type: ignore[arg-type]
        with pytest.raises(tt.InvalidInput, match="index"):
            summarise(one, index=-2)

    def test_summarise_a_conversation_of_ones_own(self) -> None:
        """summarise still counts any recorded conversation."""
        conv = tt.Conversation(conversation_id="mine")
        conv.join("Client", tt.Role.CLIENT)

        summary = summarise(conv.events, index=3)

        assert (summary.index, summary.conversation_id, summary.events) == (3, "mine", 2)
        assert summary.outcome is Outcome.CLOSED_EARLY


class TestReport:
    def test_a_misspelt_outcome_lists_the_outcomes(
        self, small: dict[str, SimulationResult]
    ) -> None:
        """rate("no_decision") is InvalidInput listing the outcomes, not 0.0."""
        report = small["ideal"].report()

        with pytest.raises(tt.InvalidInput, match="'no decision'") as caught:
            report.rate("no_decision")

        assert caught.value.argument == "outcome"
        assert report.rate("no decision") == report.rate(Outcome.NO_DECISION)

    def test_an_unknown_measure_lists_the_measures(
        self, small: dict[str, SimulationResult]
    ) -> None:
        """measure("speed") is InvalidInput listing every measure."""
        report = small["ideal"].report()

        with pytest.raises(tt.InvalidInput) as caught:
            report.measure("speed")

        assert caught.value.argument == "name"
        for name in MEASURES:
            assert name in str(caught.value)

    def test_an_unknown_statistic_lists_the_statistics(
        self, small: dict[str, SimulationResult]
    ) -> None:
        """measure("events", "p99") is InvalidInput listing the statistics."""
        report = small["ideal"].report()

        with pytest.raises(tt.InvalidInput, match="median") as caught:
            report.measure("events", "p99")

        assert caught.value.argument == "statistic"
        assert report.measure("events", "median") > 0


@pytest.mark.parametrize("workers", [1, 2])
class TestAcrossProcesses:
    def test_garbage_reaches_the_caller_as_policy_error(self, workers: int) -> None:
        """A PolicyError raised in a worker is a PolicyError in the caller, index and seed."""
        with pytest.raises(PolicyError, match=r"conversation 0 \(seed 42\)") as caught:
            simulate(8, seed=42, policy=Garbage(), workers=workers)

        assert (caught.value.index, caught.value.seed) == (0, 42)
        assert caught.value.argument == "policy"

    def test_a_crash_reaches_the_caller_as_policy_error(self, workers: int) -> None:
        """An exception inside choose() in a worker names the conversation that raised it."""
        with pytest.raises(PolicyError, match="RuntimeError: boom") as caught:
            simulate(8, seed=9, policy=CrashesAt(5), workers=workers, chunk_size=2)

        assert (caught.value.index, caught.value.seed) == (5, 9)

    def test_own_actions_with_the_attributes_of_an_action(self, workers: int) -> None:
        """An action of one's own with Action's attributes is carried out like an Action."""
        result = simulate(4, seed=3, policy=OwnActions(), workers=workers)

        assert [summary.events for summary in result.summaries] == [3, 3, 3, 3]


class TestReachingTheWorkers:
    def test_a_local_class_is_refused_before_any_work(self) -> None:
        """A policy class defined in a function cannot reach workers: InvalidInput says why."""

        class Local(Garbage):
            pass

        with pytest.raises(tt.InvalidInput, match="workers=1") as caught:
            simulate(4, seed=1, policy=Local(), workers=2)

        assert "top level of a module" in str(caught.value)
        assert caught.value.argument == "policy"

    def test_a_local_class_is_fine_with_one_worker(self) -> None:
        """With workers=1 nothing crosses a process boundary, so a local class works."""

        class Local(OwnActions):
            pass

        result = simulate(2, seed=1, policy=Local(), workers=1)

        assert result.n == 2

    def test_a_class_of_main_that_workers_cannot_find(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A class of __main__ that the main script does not define at its top level."""
        import sys

        class NotebookPolicy(OwnActions):
            pass

        NotebookPolicy.__module__ = "__main__"
        NotebookPolicy.__qualname__ = "NotebookPolicy"
        monkeypatch.setattr(
            sys.modules["__main__"], "NotebookPolicy", NotebookPolicy, raising=False
        )

        with pytest.raises(tt.InvalidInput, match="NotebookPolicy") as caught:
            simulate(4, seed=1, policy=NotebookPolicy(), workers=2)

        assert "workers=1" in str(caught.value)

    def test_a_policy_holding_a_local_function(self) -> None:
        """What a policy holds must reach the workers too."""

        def helper() -> None:  # pragma: no cover - never called
            pass

        policy = CrashesAt(99)
        policy.index = helper  # type: ignore[assignment]

        with pytest.raises(tt.InvalidInput, match="cannot be sent to worker processes"):
            simulate(4, seed=1, policy=policy, workers=2)

    def test_python_dash_c(self) -> None:
        """In python -c (as in a notebook) a policy of __main__ is refused, not a broken pool."""
        import subprocess
        import sys

        code = (
            "import threetalk as tt\n"
            "from threetalk.simulation import Action, simulate\n"
            "class Mine:\n"
            "    def choose(self, view, rng):\n"
            "        if not view.clients:\n"
            "            return Action('join', role=tt.Role.CLIENT)\n"
            "        return Action('close', by=view.clients[0])\n"
            "try:\n"
            "    simulate(4, seed=1, policy=Mine(), workers=2)\n"
            "except tt.InvalidInput as error:\n"
            "    print('refused:', error)\n"
        )

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )

        assert out.stdout.startswith("refused: policy:")
        assert "interactive session" in out.stdout

    def test_a_script_with_its_policy_at_the_top_level(self, tmp_path: Path) -> None:
        """A script that defines its policy at the top level runs with workers=2 as before."""
        import subprocess
        import sys

        script = tmp_path / "run_mine.py"
        script.write_text(
            "import threetalk as tt\n"
            "from threetalk.simulation import Action, simulate\n"
            "class Mine:\n"
            "    def choose(self, view, rng):\n"
            "        if not view.clients:\n"
            "            return Action('join', role=tt.Role.CLIENT)\n"
            "        return Action('close', by=view.clients[0])\n"
            "if __name__ == '__main__':\n"
            "    print(simulate(4, seed=1, policy=Mine(), workers=2).n)\n"
        )

        out = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60
        )

        assert out.stdout.strip() == "4"

    def test_a_script_with_its_policy_under_the_main_guard(self, tmp_path: Path) -> None:
        """A policy defined under if __name__ == "__main__": is refused before any work."""
        import subprocess
        import sys

        script = tmp_path / "run_mine.py"
        script.write_text(
            "import threetalk as tt\n"
            "from threetalk.simulation import Action, simulate\n"
            "if __name__ == '__main__':\n"
            "    class Mine:\n"
            "        def choose(self, view, rng):\n"
            "            return Action('join', role=tt.Role.CLIENT)\n"
            "    try:\n"
            "        simulate(4, seed=1, policy=Mine(), workers=2)\n"
            "    except tt.InvalidInput as error:\n"
            "        print('refused:', error)\n"
        )

        out = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60
        )

        assert out.stdout.startswith("refused: policy:")
        assert "not defined at the top level" in out.stdout


class TestOwnPolicy:
    def test_a_minimal_policy(self) -> None:
        """A user-written policy needs only choose(view, rng); refusals are fine."""

        class Impatient:
            def choose(self, view: View, rng: random.Random) -> Action:
                if not view.clients:
                    return Action("join", role=tt.Role.CLIENT)
                if not view.professionals:
                    return Action("join", role=tt.Role.PROFESSIONAL)
                professional = view.professionals[0]
                if view.phase is tt.Phase.PREPARATION:
                    return Action("move_to", by=professional, phase=tt.Phase.TEAM_TALK)
                if view.step < 6:
                    return Action("move_to", by=professional, phase=tt.Phase.OPTION_TALK)
                return Action("close", by=view.clients[0])

        result = simulate(5, seed=1, policy=Impatient())
        summary: Summary = result.summaries[0]

        assert summary.outcome is Outcome.CLOSED_EARLY
        assert dict(summary.refusals_by_code)["needs-problem-statement"] == 3
        assert summary.moves == 1


class TestPublicSurface:
    def test_all_is_exactly_the_public_names(self) -> None:
        """threetalk.simulation's __all__ is sorted and lists exactly its public names."""
        import types

        import threetalk.simulation as sim

        public = {
            name
            for name, value in vars(sim).items()
            if not name.startswith("_")
            and not isinstance(value, types.ModuleType)
            and name != "annotations"
        }

        assert set(sim.__all__) == public
        assert len(sim.__all__) == len(public)

    def test_everything_exported_is_documented(self) -> None:
        """Every exported class and function has a docstring."""
        import inspect

        import threetalk.simulation as sim

        for name in sim.__all__:
            value = getattr(sim, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                assert inspect.getdoc(value), name

    def test_import_stays_light(self) -> None:
        """Importing threetalk.simulation pulls in none of the optional heavy libraries."""
        import subprocess
        import sys

        heavy = ("pandas", "dask", "distributed", "rich", "pm4py", "numpy")
        code = (
            "import sys, threetalk.simulation; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
        )

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert out.stdout.strip() == ""


class TestMemoryHygiene:
    def test_a_finished_conversation_is_freed_without_the_collector(self):
        """The simulator's watcher is unsubscribed, so no cycle keeps a conversation."""
        conversation = simulate_one(3, seed=11, policy=Policy.ideal())
        gone = weakref.ref(conversation)
        enabled = gc.isenabled()
        gc.disable()
        try:
            del conversation
            assert gone() is None
        finally:
            if enabled:
                gc.enable()

    def test_worker_processes_collect_less_often_but_never_more(self):
        from threetalk.simulation._simulate import _relax_collector

        saved = gc.get_threshold()
        try:
            gc.set_threshold(700, 10, 10)
            _relax_collector()
            assert gc.get_threshold() == (50_000, 20, 20)
            gc.set_threshold(100_000, 50, 50)
            _relax_collector()
            assert gc.get_threshold() == (100_000, 50, 50)
        finally:
            gc.set_threshold(*saved)
