"""The exception tree: every class pickles as itself, and the module's drawing names it."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

import threetalk as tt
import threetalk.simulation
import threetalk.store
from threetalk import _exceptions

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


def subclasses(cls: type[BaseException]) -> Iterator[type[BaseException]]:
    """``cls`` and every class below it, each once, found at run time."""
    seen: set[type[BaseException]] = set()
    todo = [cls]
    while todo:
        found = todo.pop()
        if found in seen:
            continue
        seen.add(found)
        yield found
        todo.extend(found.__subclasses__())


_REASONS = (
    tt.Reason("needs-problem-statement", "State the problem first.", "R2"),
    tt.Reason("needs-client-goal", "A client names a goal first.", "R2"),
)

#: For every exception class: how to make one with representative arguments, and the
#: attributes it must carry (besides ``str()`` and ``args``, which every test compares).
EXAMPLES: dict[type[BaseException], tuple[Callable[[], BaseException], tuple[str, ...]]] = {
    tt.ThreetalkError: (lambda: tt.ThreetalkError("something went wrong"), ()),
    tt.Refused: (
        lambda: tt.Refused("Moving to option talk was refused.", _REASONS, 7),
        ("summary", "reasons", "seq", "codes"),
    ),
    tt.InvalidInput: (lambda: tt.InvalidInput("text: must not be blank", "text"), ("argument",)),
    tt.UnknownParticipant: (
        lambda: tt.UnknownParticipant("by: p9 has not joined", "by"),
        ("argument",),
    ),
    tt.TamperedLog: (lambda: tt.TamperedLog("the chain breaks at seq 4", 4), ("seq",)),
    tt.InvalidProtocol: (
        lambda: tt.InvalidProtocol(["no initial phase", "phase 'x' is unreachable"]),
        ("problems",),
    ),
    tt.StoreError: (lambda: tt.StoreError("the store is read-only"), ()),
    threetalk.store.StoreUnavailable: (
        lambda: threetalk.store.StoreUnavailable("cannot connect to the database"),
        (),
    ),
    tt.ConflictError: (
        lambda: tt.ConflictError("c1", 5, 6),
        ("conversation_id", "expected_seq", "actual_seq"),
    ),
    tt.UnknownConversation: (lambda: tt.UnknownConversation("c404"), ("conversation_id",)),
    threetalk.store.InvalidTrail: (
        lambda: threetalk.store.InvalidTrail("trail.jsonl:4: not JSON", 4, seq=3),
        ("line", "seq"),
    ),
    tt.ProtocolMismatch: (
        lambda: tt.ProtocolMismatch(
            "c1",
            recorded="a" * 64,
            recorded_name="three_talk",
            given="b" * 64,
            given_name="work_and_income",
        ),
        ("conversation_id", "recorded", "recorded_name", "given", "given_name", "argument"),
    ),
    tt.SubscriberError: (
        lambda: tt.SubscriberError([RuntimeError("mailer down"), KeyError("x")], 12),
        ("errors", "seq"),
    ),
    tt.ClockSkew: (
        lambda: tt.ClockSkew(
            datetime(2026, 11, 23, 9, tzinfo=UTC),
            datetime(2026, 11, 23, 9, 1, tzinfo=UTC),
            timedelta(seconds=5),
        ),
        ("reading", "last", "tolerance"),
    ),
    threetalk.simulation.PolicyError: (
        lambda: threetalk.simulation.PolicyError("the policy failed at step 3", 4, 42),
        ("index", "seed", "argument"),
    ),
    threetalk.simulation.EventsNotKept: (
        lambda: threetalk.simulation.EventsNotKept("this run kept summaries only"),
        (),
    ),
}


def comparable(value: object) -> object:
    """``value`` with exceptions inside it as (type, args), which compare by value."""
    if isinstance(value, BaseException):
        return (type(value), value.args)
    if isinstance(value, tuple | list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


TREE = sorted(subclasses(tt.ThreetalkError), key=lambda cls: cls.__qualname__)


class TestPickling:
    def test_every_exception_has_an_example(self) -> None:
        """Every ThreetalkError subclass, found at run time, has an entry in EXAMPLES."""
        missing = [cls.__qualname__ for cls in TREE if cls not in EXAMPLES]

        assert missing == [], f"add these to EXAMPLES in {__name__}: {missing}"

    @pytest.mark.parametrize("cls", TREE, ids=lambda cls: cls.__qualname__)
    def test_round_trip(self, cls: type[BaseException]) -> None:
        """Each exception comes back from pickle as itself: type, message, args, attributes."""
        if cls not in EXAMPLES:
            pytest.fail(f"{cls.__qualname__} has no entry in EXAMPLES")
        make, attributes = EXAMPLES[cls]
        error = make()
        assert type(error) is cls

        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(error, protocol=protocol))  # noqa: S301 - ours

            assert type(back) is cls
            assert str(back) == str(error)
            assert back.args == error.args
            assert comparable(vars(back)) == comparable(vars(error))
            for name in attributes:
                assert comparable(getattr(back, name)) == comparable(getattr(error, name)), name

    def test_attributes_are_really_compared(self) -> None:
        """The round trip compares attributes: a dropped one would be noticed."""
        error = tt.ConflictError("c1", 5, 6)
        back = pickle.loads(pickle.dumps(error))  # noqa: S301 - ours
        del back.actual_seq

        assert vars(back) != vars(error)

    def test_protocol_mismatch_is_both(self) -> None:
        """ProtocolMismatch is a StoreError and an InvalidInput, before and after pickling."""
        make, _ = EXAMPLES[tt.ProtocolMismatch]
        back = pickle.loads(pickle.dumps(make()))  # noqa: S301 - ours

        assert isinstance(back, tt.StoreError)
        assert isinstance(back, tt.InvalidInput)
        assert isinstance(back, ValueError)
        assert back.argument == "protocol"


class TestTree:
    def test_docstring_draws_every_class(self) -> None:
        """The module docstring's tree names every exception class."""
        drawing = _exceptions.__doc__ or ""

        missing = [cls.__name__ for cls in TREE if cls.__name__ not in drawing]

        assert missing == []

    def test_every_class_lives_in_the_exceptions_module(self) -> None:
        """The whole tree is defined in threetalk._exceptions."""
        defined = {value for value in vars(_exceptions).values() if isinstance(value, type)} & set(
            TREE
        )

        assert defined == set(TREE)

    @pytest.mark.parametrize("cls", TREE, ids=lambda cls: cls.__qualname__)
    def test_importable_where_it_claims_to_live(self, cls: type[BaseException]) -> None:
        """Each class is found under its __module__, as pickle and tracebacks look for it."""
        module = __import__(cls.__module__, fromlist=["_"])

        assert getattr(module, cls.__name__) is cls
