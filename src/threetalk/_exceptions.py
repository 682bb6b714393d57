"""Everything threetalk raises, in one tree::

    ThreetalkError
    ├── Refused              a domain rule or a role said no (.reasons, .seq); a refusal
    │                        event was logged
    ├── InvalidInput         (also ValueError) a malformed argument (.argument); nothing
    │   │                    was logged
    │   ├── UnknownParticipant   someone who has not joined this conversation
    │   ├── PolicyError          a simulation policy returned garbage (.index, .seed;
    │   │                        threetalk.simulation)
    │   └── ProtocolMismatch     (also StoreError) events recorded under another protocol
    │                            than the one given (.conversation_id, .recorded, .given)
    ├── TamperedLog          an audit trail that does not verify (.seq of the first bad event)
    ├── SubscriberError      the command was recorded, but subscribers raised (.errors, .seq)
    ├── ClockSkew            the clock reads too far before the last event (.reading, .last,
    │                        .tolerance); nothing was recorded
    ├── InvalidProtocol      a protocol definition that cannot work (.problems)
    ├── EventsNotKept        a simulation ran with keep_events=False (threetalk.simulation)
    └── StoreError           a store cannot be opened, read or written as asked (threetalk.store)
        ├── StoreUnavailable     the store cannot be reached: no connection to its server,
        │                        or its file cannot be opened (an I/O problem, not a store
        │                        that fails its checks)
        ├── ConflictError        another writer appended first (.conversation_id,
        │                        .expected_seq, .actual_seq); nothing was written
        ├── UnknownConversation  (also LookupError) no conversation with that id is stored
        │                        (.conversation_id)
        ├── InvalidTrail         a JSONL trail that cannot be imported (.line, .seq)
        └── ProtocolMismatch     see above

Catch ``ThreetalkError`` to handle them all; show ``str(error)`` of a ``Refused`` to a
professional, it is written for them.

Every exception survives ``pickle`` with its message and attributes (so it crosses a
process pool as itself): :meth:`ThreetalkError.__reduce__` rebuilds it from its ``args``
and attributes without calling its constructor again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime, timedelta


class Reason(Protocol):
    """What :class:`Refused` holds of each reason: a :class:`threetalk.Reason`.

    Spelled out here so that the exceptions import nothing above them (a reason renders
    its text with a catalogue that raises these exceptions).
    """

    @property
    def code(self) -> str:
        """Stable, kebab-case."""
        ...  # pragma: no cover - protocol

    @property
    def message(self) -> str:
        """The recorded English text."""
        ...  # pragma: no cover - protocol

    @property
    def rule(self) -> str:
        """The rule it comes from, or ``""``."""
        ...  # pragma: no cover - protocol

    @property
    def params(self) -> Mapping[str, Any]:
        """What the message is built from."""
        ...  # pragma: no cover - protocol

    def text(self, language: str) -> str:
        """The message in ``language``."""
        ...  # pragma: no cover - protocol

    def to_dict(self) -> dict[str, Any]:
        """The reason as JSON-ready data."""
        ...  # pragma: no cover - protocol


def _rebuild(cls: type[ThreetalkError], args: tuple[Any, ...]) -> ThreetalkError:
    """An exception of ``cls`` with ``args``, its constructor not called (pickle's way in)."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class ThreetalkError(Exception):
    """Base class of every error threetalk raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The default calls ``cls(*self.args)``, which the subclasses' keyword and
        # structured constructors do not accept; the attributes travel as the state.
        return (_rebuild, (type(self), self.args), self.__dict__)


class Refused(ThreetalkError):
    """A well-formed command that the conversation's rules or the actor's role do not allow.

    The refusal itself is recorded as an event before this is raised.

    Attributes:
        summary: One sentence saying what was refused.
        reasons: Every unmet rule, each with a stable ``code`` and a plain-words ``message``.
        seq: The ``seq`` of the refusal event in the conversation's log.
    """

    def __init__(self, summary: str, reasons: Sequence[Reason], seq: int) -> None:
        self.summary = summary
        self.reasons = tuple(reasons)
        self.seq = seq
        super().__init__(" ".join([summary, *(reason.message for reason in self.reasons)]))

    @property
    def codes(self) -> tuple[str, ...]:
        """The ``code`` of every reason, in order."""
        return tuple(reason.code for reason in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """The refusal as JSON-ready data; the shape of ``refusal.schema.json``.

        ``{"summary": str, "seq": int, "codes": [str, ...], "reasons": [{"code",
        "message", "rule", "params"}, ...]}``: what a web app answers a refused command
        with (``params`` let it say the messages in another language).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return {
            "summary": self.summary,
            "seq": self.seq,
            "codes": list(self.codes),
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


class InvalidInput(ThreetalkError, ValueError):
    """An argument that is malformed whatever state the conversation is in.

    Nothing is recorded and nothing changes.

    Attributes:
        argument: The name of the offending argument, where there is one.
    """

    def __init__(self, message: str, argument: str | None = None) -> None:
        self.argument = argument
        super().__init__(message)


class UnknownParticipant(InvalidInput):
    """The acting or named participant has not joined this conversation."""


class TamperedLog(ThreetalkError):
    """The events do not form an intact chain.

    Attributes:
        seq: The position (1-based, as ``seq`` should be there) where the chain first breaks.
    """

    def __init__(self, message: str, seq: int) -> None:
        self.seq = seq
        super().__init__(message)


class SubscriberError(ThreetalkError):
    """The command *was* recorded, but one or more subscribers raised while told of it.

    Every subscriber was still given every event, in ``seq`` order, before this was
    raised; nothing was undone.

    Attributes:
        errors: What the subscribers raised, in the order they raised it.
        seq: The ``seq`` of the conversation's last event when delivery finished.
    """

    def __init__(self, errors: Sequence[BaseException], seq: int) -> None:
        self.errors = tuple(errors)
        self.seq = seq
        first = self.errors[0] if self.errors else None
        what = "" if first is None else f" The first: {type(first).__name__}: {first}"
        super().__init__(
            f"The command was recorded (the log now ends at seq {seq}), but "
            f"{len(self.errors)} subscriber call(s) raised; every subscriber was still given "
            f"every event.{what}"
        )


class ClockSkew(ThreetalkError):
    """The clock reads further before the conversation's last event than the tolerance.

    Nothing was recorded. A reading earlier by at most the tolerance is recorded at the
    last event's time instead, with the reading kept in the event's data (``clock``).

    Attributes:
        reading: What the clock read (aware, UTC).
        last: The time of the conversation's last event.
        tolerance: How far back a reading may be.
    """

    def __init__(self, reading: datetime, last: datetime, tolerance: timedelta) -> None:
        self.reading = reading
        self.last = last
        self.tolerance = tolerance
        behind = (last - reading).total_seconds()
        super().__init__(
            f"The clock reads {reading.isoformat()}, {behind:g} s before the conversation's "
            f"last event ({last.isoformat()}), more than the tolerance of "
            f"{tolerance.total_seconds():g} s; nothing was recorded. Check that the "
            "machines writing this conversation keep their clocks in step."
        )


class InvalidProtocol(ThreetalkError):
    """A protocol definition that cannot work; raised when the protocol is built.

    Attributes:
        problems: Every problem found, in plain words.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Invalid protocol: " + "; ".join(self.problems))


# ---------------------------------------------------------------------- stores


class StoreError(ThreetalkError):
    """A store that cannot be opened, read or written as asked; nothing was changed."""


class StoreUnavailable(StoreError):
    """The store cannot be reached: its server refuses or cannot be found, or its file
    cannot be opened or made (no permission, no such folder).

    An I/O problem that may pass (``threetalk`` answers it with exit code 2), unlike a
    store that is reached but fails its checks (another application's file, another
    key, a newer schema), which is a plain :class:`StoreError`.
    """


class ConflictError(StoreError):
    """Another writer appended to the conversation first; nothing was written.

    Reload the conversation with :func:`~threetalk.store.open_conversation` and give the
    command again.

    Attributes:
        conversation_id: The conversation written to.
        expected_seq: The ``seq`` of the last stored event this writer expected (0: none).
        actual_seq: The ``seq`` of the last event actually stored.
    """

    def __init__(self, conversation_id: str, expected_seq: int, actual_seq: int) -> None:
        self.conversation_id = conversation_id
        self.expected_seq = expected_seq
        self.actual_seq = actual_seq
        if expected_seq == 0:
            msg = (
                f"Conversation {conversation_id!r} is already stored (up to seq {actual_seq}); "
                "open it with open_conversation() instead of starting it again."
            )
        else:
            msg = (
                f"Conversation {conversation_id!r} changed in the store: this copy expected "
                f"its last event at seq {expected_seq}, the store has seq {actual_seq}. "
                "Nothing was written; reopen the conversation and try again."
            )
        super().__init__(msg)


class UnknownConversation(StoreError, LookupError):
    """No conversation with this id is stored.

    Attributes:
        conversation_id: The id asked for.
    """

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        super().__init__(f"No conversation {conversation_id!r} is stored here.")


class InvalidTrail(StoreError):
    """A JSONL trail that cannot be imported; nothing was written.

    Attributes:
        line: The 1-based number of the first bad line.
        seq: The ``seq`` of the event on it, where the line could be read that far.
    """

    def __init__(self, message: str, line: int, seq: int | None = None) -> None:
        self.line = line
        self.seq = seq
        super().__init__(message)


class ProtocolMismatch(StoreError, InvalidInput):
    """Events recorded under one protocol, opened or replayed under another.

    Both a :class:`StoreError` and an :class:`InvalidInput` (``.argument`` is
    ``"protocol"``), so code that catches either keeps working.

    Attributes:
        conversation_id: The conversation concerned.
        recorded: The fingerprint in its opening event (``None`` if it holds none).
        recorded_name: The protocol name in its opening event.
        given: The fingerprint of the protocol given; ``None`` when none was given and no
            known protocol has the recorded fingerprint.
        given_name: The name of the protocol given, or ``None``.
    """

    def __init__(
        self,
        conversation_id: str,
        *,
        recorded: str | None,
        recorded_name: str | None,
        given: str | None,
        given_name: str | None,
    ) -> None:
        self.conversation_id = conversation_id
        self.recorded = recorded
        self.recorded_name = recorded_name
        self.given = given
        self.given_name = given_name
        where = (
            f"Conversation {conversation_id!r} was recorded under protocol "
            f"{recorded_name!r} (fingerprint {recorded})"
        )
        if given is None:
            msg = (
                f"{where}, which is neither a built-in protocol nor one of those given; "
                "pass that protocol (protocols=[...] or protocol=...)."
            )
        else:
            msg = (
                f"{where}, not under {given_name!r} (fingerprint {given}); open it with "
                "the protocol it was recorded under."
            )
        InvalidInput.__init__(self, msg, "protocol")


# ---------------------------------------------------------------------- simulation


class PolicyError(InvalidInput):
    """A policy returned something the simulator cannot carry out.

    Attributes:
        index: The index of the conversation in the run.
        seed: The seed of the run; ``simulate_one(index, seed=seed, policy=...)``
            reproduces the conversation.
    """

    def __init__(self, message: str, index: int, seed: int) -> None:
        self.index = index
        self.seed = seed
        super().__init__(message, "policy")


class EventsNotKept(ThreetalkError):
    """The run was made with ``keep_events=False``, so its events are gone."""


# Tracebacks and reprs name the exceptions where users import them from; pickle finds
# them there too.
_exception: type[ThreetalkError]
for _exception in (
    ThreetalkError,
    Refused,
    InvalidInput,
    UnknownParticipant,
    TamperedLog,
    SubscriberError,
    ClockSkew,
    InvalidProtocol,
    StoreError,
    ConflictError,
    UnknownConversation,
    ProtocolMismatch,
):
    _exception.__module__ = "threetalk"
# Exported from threetalk.store only: pickle must look for it there.
InvalidTrail.__module__ = "threetalk.store"
for _exception in (PolicyError, EventsNotKept):
    _exception.__module__ = "threetalk.simulation"
