"""Everything threetalk raises, in one tree::

    ThreetalkError
    ├── Refused              a domain rule or a role said no (.reasons); a refusal event was logged
    ├── InvalidInput         (also ValueError) a malformed argument; nothing was logged
    │   ├── UnknownParticipant   someone who has not joined this conversation
    │   └── PolicyError          a simulation policy returned garbage (.index, .seed;
    │                            threetalk.simulation)
    ├── TamperedLog          an audit trail that does not verify (.seq of the first bad event)
    ├── InvalidProtocol      a protocol definition that cannot work (.problems)
    ├── EventsNotKept        a simulation ran with keep_events=False (threetalk.simulation)
    └── StoreError           a store cannot be opened, read or written as asked (threetalk.store)
        ├── ConflictError        another writer appended first (.conversation_id,
        │                        .expected_seq, .actual_seq)
        ├── UnknownConversation  no conversation with that id is stored (.conversation_id)
        └── InvalidTrail         a JSONL trail that cannot be imported (.line, .seq)

Catch ``ThreetalkError`` to handle them all; show ``str(error)`` of a ``Refused`` to a
professional, it is written for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from threetalk._values import Reason


class ThreetalkError(Exception):
    """Base class of every error threetalk raises on purpose."""


class Refused(ThreetalkError):
    """A well-formed command that the conversation's rules or the actor's role do not allow.

    The refusal itself is recorded as an event before this is raised.

    Attributes:
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


class InvalidProtocol(ThreetalkError):
    """A protocol definition that cannot work; raised when the protocol is built.

    Attributes:
        problems: Every problem found, in plain words.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Invalid protocol: " + "; ".join(self.problems))


# Tracebacks and reprs name the exceptions where users import them from.
for _exception in (
    ThreetalkError,
    Refused,
    InvalidInput,
    UnknownParticipant,
    TamperedLog,
    InvalidProtocol,
):
    _exception.__module__ = "threetalk"
