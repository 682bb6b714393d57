"""One frozen summary per simulated conversation, counted from its events alone.

The OPTION-5 proxy is documented item by item in ``docs/option5-proxy.md``: it estimates
the five items of the OPTION-5 instrument from what the event log shows. It is a proxy,
not a validated score.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final, TypeVar

import attrs

from threetalk._exceptions import InvalidInput
from threetalk._phases import Decided, Phase, Role
from threetalk._trail import Event


class Outcome(enum.Enum):
    """How a simulated conversation ended."""

    AGREED = "agreed"
    """A decision every client consented to was in force when it closed."""
    IMPOSED = "imposed"
    """A decision the professional imposed was in force when it closed."""
    DELEGATED = "delegated"
    """A decision the clients handed to the professional was in force when it closed."""
    NO_DECISION = "no decision"
    """It reached decision talk but closed without a decision in force."""
    CLOSED_EARLY = "closed early"
    """It closed before it ever reached decision talk."""

    def __repr__(self) -> str:
        return f"Outcome.{self.name}"


_DECIDED: Final = {
    Decided.AGREED.value: Outcome.AGREED,
    Decided.IMPOSED.value: Outcome.IMPOSED,
    Decided.DELEGATED.value: Outcome.DELEGATED,
}

#: The order of the talks; a move to an earlier one is a back-jump.
_ORDER: Final = {
    Phase.PREPARATION.value: 0,
    Phase.TEAM_TALK.value: 1,
    Phase.OPTION_TALK.value: 2,
    Phase.DECISION_TALK.value: 3,
    Phase.EVALUATION.value: 4,
}

Counts = tuple[tuple[str, int], ...]
T = TypeVar("T")


@attrs.frozen(weakref_slot=False)
class Summary:
    """What one simulated conversation came to.

    Attributes:
        index: Its index in the run.
        conversation_id: Its id.
        outcome: How it ended (see :class:`Outcome`).
        events: How many events its log holds.
        moves: Accepted moves between talks.
        back_jumps: Accepted moves to an earlier talk (team < option < decision <
            evaluation).
        refusals: Refused commands.
        refusals_by_code: Reason codes of the refusals with their counts, sorted by code
            (a refusal with several reasons counts once per reason).
        advisories: Advisories raised.
        advisories_by_code: Advisory codes with their counts, sorted by code.
        sittings: 1 + the number of times it was resumed after a pause.
        pauses: How many times it was paused.
        options: Options proposed.
        duration_seconds: Simulated seconds from its opening to its last event.
        option5: The OPTION-5 proxy, 0-100 (see ``docs/option5-proxy.md``).
        option5_items: The five proxy items, each 0-4.
    """

    index: int
    conversation_id: str
    outcome: Outcome
    events: int
    moves: int
    back_jumps: int
    refusals: int
    refusals_by_code: Counts
    advisories: int
    advisories_by_code: Counts
    sittings: int
    pauses: int
    options: int
    duration_seconds: int
    option5: float
    option5_items: tuple[float, float, float, float, float]

    @property
    def duration(self) -> timedelta:
        """The simulated duration."""
        return timedelta(seconds=self.duration_seconds)

    def to_dict(self) -> dict[str, object]:
        """The summary as plain data (codes as dicts, the outcome as its text)."""
        return {
            "index": self.index,
            "conversation_id": self.conversation_id,
            "outcome": self.outcome.value,
            "events": self.events,
            "moves": self.moves,
            "back_jumps": self.back_jumps,
            "refusals": self.refusals,
            "refusals_by_code": dict(self.refusals_by_code),
            "advisories": self.advisories,
            "advisories_by_code": dict(self.advisories_by_code),
            "sittings": self.sittings,
            "pauses": self.pauses,
            "options": self.options,
            "duration_seconds": self.duration_seconds,
            "option5": self.option5,
            "option5_items": list(self.option5_items),
        }


_SHARED: dict[Any, Any] = {}


def _share(value: T) -> T:
    """One object per distinct value (of floats and code tuples), to keep summaries small.

    Millions of summaries repeat the same few values; sharing them also lets pickle send
    each once per chunk.
    """
    if len(_SHARED) > 50_000:
        _SHARED.clear()
    shared: T = _SHARED.setdefault(value, value)
    return shared


def summarise(events: Sequence[Event], *, index: int = 0) -> Summary:
    """Count a conversation's summary from its events (oldest first).

    Args:
        events: Every event of one conversation, oldest first (``conversation.events``,
            or a stored conversation's events).
        index: The index to give the summary (its place in a run).

    Returns:
        The conversation's :class:`Summary`.

    Raises:
        InvalidInput: ``events`` is empty, holds something that is not an event, mixes
            conversations, or does not read as a conversation's log; or ``index`` is not
            a whole number of at least 0.
    """
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        msg = f"index: a whole number of at least 0 is needed, got {index!r:.40}"
        raise InvalidInput(msg, "index")
    if isinstance(events, str | bytes) or not isinstance(events, Sequence):
        msg = f"events: expected a sequence of events, got {type(events).__name__}"
        raise InvalidInput(msg, "events")
    if not events:
        msg = "events: a summary needs the events of a conversation; none were given"
        raise InvalidInput(msg, "events")
    for event in events:
        if not isinstance(event, Event):
            msg = f"events: expected only events, got {type(event).__name__}"
            raise InvalidInput(msg, "events")
    if len({event.conversation_id for event in events}) > 1:
        msg = "events: a summary counts one conversation; these events belong to several"
        raise InvalidInput(msg, "events")
    try:
        return summary_of(events, index)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        msg = (
            f"events: the events of {events[0].conversation_id!r:.60} do not read as a "
            f"conversation's log ({type(error).__name__}: {error!s:.80})"
        )
        raise InvalidInput(msg, "events") from None


def summary_of(events: Sequence[Event], index: int) -> Summary:  # noqa: PLR0912, PLR0915
    """:func:`summarise` for the events of a conversation the simulator just ran."""
    refusals: Counter[str] = Counter()
    advisories: Counter[str] = Counter()
    roles: dict[str, str] = {}
    preferences: dict[str, str | None] = {}
    option_pros: dict[str, set[str]] = {}
    proposers: list[str] = []
    moves = back_jumps = refused = pauses = resumptions = 0
    decision: dict[str, object] | None = None
    reached_decision_talk = False
    paused_after_options = trial = False
    silent_in_option_talk = False
    role_stated: set[str] = set()
    understood: dict[str, bool] = {}
    informed: set[str] = set()
    left = ""
    for event in events:
        kind = event.kind
        data = event.data
        if kind == "refused":
            refused += 1
            refusals.update(reason["code"] for reason in data["reasons"])
        elif kind == "advisory":
            code = data["code"]
            advisories[code] += 1
            if code == "silent-participant" and left == Phase.OPTION_TALK.value:
                silent_in_option_talk = True
        elif kind == "moved":
            moves += 1
            here, to = event.phase.value, data["to"]
            left = here
            if _ORDER[to] < _ORDER[here]:
                back_jumps += 1
            if to == Phase.DECISION_TALK.value:
                reached_decision_talk = True
            if data["reopened"]:
                decision = None
        elif kind == "joined":
            roles[data["participant"]] = data["role"]
        elif kind == "option-proposed":
            proposers.append(event.actor or "")
            option_pros[data["option"]] = set()
        elif kind == "consideration-added":
            option_pros[data["option"]].add(data["stance"])
        elif kind == "option-withdrawn":
            oid = data["option"]
            for pid in [pid for pid, preferred in preferences.items() if preferred == oid]:
                del preferences[pid]
        elif kind == "preference-stated":
            preferences[event.actor or ""] = data["option"]
        elif kind == "paused":
            pauses += 1
            paused_after_options = paused_after_options or bool(proposers)
        elif kind == "resumed":
            resumptions += 1
        elif kind == "trial-started":
            trial = True
        elif kind == "decided":
            decision = dict(data)
        elif kind == "role-preference-stated":
            role_stated.add(event.actor or "")
        elif kind == "understanding-checked":
            understood[data["of"]] = data["understood"]
        elif kind == "information-shared" and data["option"] is not None:
            informed.add(data["option"])
    if decision is not None:
        outcome = _DECIDED[str(decision["how"])]
    elif reached_decision_talk:
        outcome = Outcome.NO_DECISION
    else:
        outcome = Outcome.CLOSED_EARLY

    # OPTION-5 proxy: five items, each 0-4 (docs/option5-proxy.md).
    lay = {pid for pid, role in roles.items() if role != Role.PROFESSIONAL.value}
    clients = [pid for pid, role in roles.items() if role == Role.CLIENT.value]
    item1 = float(min(len(proposers), 3))
    if proposers and proposers[0] in lay:
        item1 += 1
    item2 = (
        (1.0 if paused_after_options else 0.0)
        + (1.0 if trial else 0.0)
        + (1.0 if proposers and not silent_in_option_talk else 0.0)
        + (sum(1 for pid in clients if pid in role_stated) / len(clients) if clients else 0.0)
    )
    if option_pros:
        count = len(option_pros)
        considered = sum(1 for stances in option_pros.values() if stances) / count
        both = sum(1 for stances in option_pros.values() if len(stances) == 2) / count
        told = sum(1 for oid in option_pros if oid in informed) / count
        checked = sum(1 for pid in clients if understood.get(pid)) / len(clients) if clients else 0
        item3 = 1.5 * considered + 1.5 * both + 0.5 * told + 0.5 * checked
    else:
        item3 = 0.0
    stated = sum(1 for pid in lay if pid in preferences) / len(lay) if lay else 0.0
    item4 = max(0.0, 4 * stated - (1 if advisories["professional-preference-early"] else 0))
    if outcome is Outcome.AGREED:
        chosen = decision["option"] if decision is not None else None
        item5 = 4.0 if clients and all(preferences.get(c) == chosen for c in clients) else 3.0
    elif outcome is Outcome.DELEGATED:
        item5 = 2.0
    elif outcome is Outcome.IMPOSED:
        item5 = 1.0
    else:
        item5 = 0.0
    items = _share(
        (
            _share(round(item1, 2)),
            _share(round(item2, 2)),
            _share(round(item3, 2)),
            _share(round(item4, 2)),
            _share(round(item5, 2)),
        )
    )
    first, last = events[0], events[-1]
    return Summary(
        index=index,
        conversation_id=first.conversation_id,
        outcome=outcome,
        events=len(events),
        moves=moves,
        back_jumps=back_jumps,
        refusals=refused,
        refusals_by_code=_share(tuple(sorted(refusals.items()))),
        advisories=sum(advisories.values()),
        advisories_by_code=_share(tuple(sorted(advisories.items()))),
        sittings=1 + resumptions,
        pauses=pauses,
        options=len(proposers),
        duration_seconds=int((last.at - first.at).total_seconds()),
        option5=_share(round(sum(items) / 20 * 100, 1)),
        option5_items=items,
    )
