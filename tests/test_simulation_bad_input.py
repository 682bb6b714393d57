"""Fuzzing threetalk.simulation's public functions: only ThreetalkError escapes junk."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
import threetalk.simulation as sim
from threetalk.simulation._export import FORMATS

_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.binary(max_size=8),
    st.text(max_size=20),
    st.sampled_from(
        ["", "ideal", "hasty", "no decision", "events", "mean", "\ud800", "nul\x00", "kind"]
    ),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.sampled_from([*tt.Phase, *tt.Role, sim.Outcome.AGREED, sim.Policy, object, len]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)

#: Small whole numbers: junk that is also valid must not start a long run.
_small = st.integers(-3, 4)


def _paths(folder: Path) -> st.SearchStrategy[Any]:
    """Junk where a path is expected, kept inside ``folder`` when it is a path at all."""
    names = st.text(max_size=12).map(lambda name: folder / name)
    suffixed = st.tuples(st.text(max_size=8), st.sampled_from(sorted(FORMATS))).map(
        lambda pair: folder / (pair[0] + pair[1])
    )
    return st.one_of(
        st.none(),
        st.integers(),
        st.binary(max_size=4),
        st.lists(st.integers(), max_size=2),
        names,
        suffixed,
    )


def only_threetalk_errors(call: Any) -> tt.ThreetalkError | None:
    """What ``call()`` raised of threetalk's errors; anything else fails the test."""
    try:
        call()
    except tt.ThreetalkError as error:
        return error
    return None


@pytest.fixture(scope="module")
def kept() -> sim.SimulationResult:
    """A small run that kept its events."""
    return sim.simulate(3, seed=1)


@pytest.fixture(scope="module")
def view() -> sim.View:
    """A view of a fresh conversation, as a policy would get it."""
    return sim.View(
        index=0, conversation=tt.Conversation(conversation_id="v"), today=date(2026, 1, 5)
    )


class TestJunk:
    @given(st.data())
    def test_simulate(self, data: st.DataObject) -> None:
        """simulate() with one argument replaced by junk raises only ThreetalkError."""
        with tempfile.TemporaryDirectory() as folder:
            arguments: dict[str, Any] = {"n": 2, "seed": 1, "max_steps": 50}
            name = data.draw(
                st.sampled_from(
                    [
                        "n",
                        "seed",
                        "policy",
                        "workers",
                        "backend",
                        "client",
                        "keep_events",
                        "protocol",
                        "out",
                        "activity",
                        "chunk_size",
                        "max_steps",
                        "progress",
                        "append",
                    ]
                ),
                label="argument",
            )
            if name in {"n", "workers", "max_steps", "chunk_size"}:
                value = data.draw(_small | _junk.filter(lambda v: not isinstance(v, int)))
            elif name == "out":
                value = data.draw(_paths(Path(folder)) | st.lists(_paths(Path(folder)), max_size=2))
            elif name == "backend":
                value = data.draw(_junk.filter(lambda v: v != "dask"))
            else:
                value = data.draw(_junk)
            arguments[name] = value

            error = only_threetalk_errors(lambda: sim.simulate(**arguments))

        if isinstance(error, tt.InvalidInput):
            assert error.argument in {name, "policy", "format"}

    @given(index=_junk | _small, seed=_junk | _small, policy=_junk, max_steps=_junk | _small)
    def test_simulate_one(self, index: Any, seed: Any, policy: Any, max_steps: Any) -> None:
        """simulate_one() with junk raises only ThreetalkError."""
        only_threetalk_errors(
            lambda: sim.simulate_one(index, seed=seed, policy=policy, max_steps=max_steps)
        )

    @given(seed=_junk, index=_junk)
    def test_ids_and_seeds(self, seed: Any, index: Any) -> None:
        """conversation_id() and conversation_seed() with junk raise only ThreetalkError."""
        only_threetalk_errors(lambda: sim.conversation_id(seed, index))
        only_threetalk_errors(lambda: sim.conversation_seed(seed, index))

    @given(events=_junk | st.lists(_junk, max_size=3), index=_junk)
    def test_summarise(self, events: Any, index: Any) -> None:
        """summarise() with junk raises only ThreetalkError."""
        only_threetalk_errors(lambda: sim.summarise(events, index=index))

    @given(data=st.data())
    def test_summarise_events_with_odd_data(self, data: st.DataObject) -> None:
        """summarise() of events whose data is not what the kinds promise is InvalidInput."""
        conv = tt.Conversation(conversation_id="odd")
        conv.join("Client", tt.Role.CLIENT)
        first, joined = conv.events
        kind = data.draw(st.sampled_from(sorted(tt._state.KINDS)), label="kind")
        odd = tt.Event(
            joined.seq, "odd", joined.at, kind, joined.actor, joined.phase, {}, joined.prev, "x"
        )

        only_threetalk_errors(lambda: sim.summarise([first, odd]))

    @given(name=_junk, statistic=_junk, outcome=_junk)
    def test_report(
        self, kept: sim.SimulationResult, name: Any, statistic: Any, outcome: Any
    ) -> None:
        """Report.rate() and Report.measure() with junk raise only ThreetalkError."""
        report = kept.report()

        only_threetalk_errors(lambda: report.rate(outcome))
        only_threetalk_errors(lambda: report.measure(name, statistic))

    @given(data=st.data())
    def test_writing_a_result(self, kept: sim.SimulationResult, data: st.DataObject) -> None:
        """to_xes/to_ocel/to_csv/to_sqlite with junk raise only ThreetalkError."""
        with tempfile.TemporaryDirectory() as folder:
            path = data.draw(_paths(Path(folder)), label="path")
            activity = data.draw(_junk | st.just("kind"), label="activity")
            append = data.draw(_junk, label="append")

            only_threetalk_errors(lambda: kept.to_xes(path, activity=activity))
            only_threetalk_errors(lambda: kept.to_csv(path, activity=activity))
            only_threetalk_errors(lambda: kept.to_ocel(path))
            only_threetalk_errors(lambda: kept.to_sqlite(path, append=append))

    @given(view=_junk, rng=_junk)
    def test_random_action(self, view: Any, rng: Any) -> None:
        """random_action() with junk raises only ThreetalkError."""
        only_threetalk_errors(lambda: sim.random_action(view, rng))

    def test_random_action_needs_a_generator(self, view: sim.View) -> None:
        """random_action() of a real view with a junk generator is InvalidInput."""
        with pytest.raises(tt.InvalidInput, match="rng"):
            sim.random_action(view, "seed")

        assert isinstance(sim.random_action(view, random.Random(1)), sim.Action)  # noqa: S311

    @given(data=st.data())
    def test_policy(self, data: st.DataObject) -> None:
        """Policy(...) and Policy.preset() with junk raise only ThreetalkError."""
        field = data.draw(st.sampled_from([f.name for f in sim.Policy.__attrs_attrs__]))
        value = data.draw(_junk)

        only_threetalk_errors(lambda: sim.Policy(**{field: value}))
        only_threetalk_errors(lambda: sim.Policy.preset(value))

    @given(
        command=_junk | st.sampled_from(tt.COMMANDS),
        by=_junk,
        option=_junk,
        phase=_junk,
        role=_junk,
        stance=_junk,
        to=_junk,
        days=_junk,
    )
    def test_junk_actions_from_a_policy(self, **fields: Any) -> None:
        """Whatever an Action holds, carrying it out gives a result or a PolicyError."""

        class Junk:
            def choose(self, view: sim.View, rng: random.Random) -> sim.Action:
                if not view.clients:
                    return sim.Action("join", role=tt.Role.CLIENT)
                if view.step < 3:
                    return sim.Action(**fields)
                return sim.Action("close", by=view.clients[0])

        error = only_threetalk_errors(lambda: sim.simulate_one(0, seed=1, policy=Junk()))

        assert error is None or isinstance(error, sim.PolicyError)


class TestProgress:
    """A ``progress`` that cannot be called as ``progress(done, n)`` is refused up front."""

    @pytest.mark.parametrize("progress", [sim.Policy, object], ids=["Policy", "object"])
    def test_a_class_is_refused(self, progress: Any) -> None:
        """A class is callable, but calling it builds an object: InvalidInput, no run."""
        with pytest.raises(tt.InvalidInput, match="class") as caught:
            sim.simulate(2, seed=1, progress=progress)

        assert caught.value.argument == "progress"

    def test_a_function_of_one_argument_is_refused(self) -> None:
        """A function that takes one argument cannot be given (done, n)."""
        with pytest.raises(tt.InvalidInput, match=r"progress\(done, n\)") as caught:
            sim.simulate(2, seed=1, progress=len)

        assert caught.value.argument == "progress"

    def test_a_function_of_two_arguments_is_called(self) -> None:
        """A fitting function is called after each chunk with the count done so far."""
        calls: list[tuple[int, int]] = []

        sim.simulate(4, seed=1, chunk_size=2, progress=lambda done, n: calls.append((done, n)))

        assert calls == [(2, 4), (4, 4)]
