"""What a run produced: :class:`SimulationResult` and its aggregate :class:`Report`."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Final

import attrs

from threetalk._exceptions import EventsNotKept, InvalidInput
from threetalk._protocols import Protocol
from threetalk._trail import Event
from threetalk.simulation._export import (
    COLUMNS,
    SYSTEM,
    Case,
    Run,
    data_text,
    open_writer,
    roles_of,
)
from threetalk.simulation._policy import SimPolicy
from threetalk.simulation._summary import Outcome, Summary

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence

#: The numeric fields of a :class:`Summary` that a report gives quantiles of.
MEASURES: Final = (
    "events",
    "moves",
    "back_jumps",
    "refusals",
    "advisories",
    "sittings",
    "pauses",
    "options",
    "duration_seconds",
    "option5",
)
_QUANTILES: Final = (0.05, 0.25, 0.5, 0.75, 0.95)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, by linear interpolation between ranks."""
    if len(ordered) == 1:
        return float(ordered[0])
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


@attrs.frozen
class Report:
    """Aggregates of a run: outcome rates, quantiles of every measure, code totals.

    Attributes:
        conversations: How many conversations were simulated.
        outcomes: For each outcome, how many conversations ended so, with its rate.
        measures: For each measure of :data:`MEASURES`: mean, min, p5, p25, median, p75,
            p95 and max.
        refusals_by_code: Total refusals by reason code, most frequent first.
        advisories_by_code: Total advisories by code, most frequent first.
    """

    conversations: int
    outcomes: tuple[tuple[str, int, float], ...]
    measures: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    refusals_by_code: tuple[tuple[str, int], ...]
    advisories_by_code: tuple[tuple[str, int], ...]

    def rate(self, outcome: Outcome | str) -> float:
        """The share of conversations with ``outcome`` (0-1).

        Args:
            outcome: An :class:`Outcome` or its text (``"agreed"``, ``"no decision"``, ...).

        Returns:
            The share, 0.0 when no conversation ended so.

        Raises:
            InvalidInput: ``outcome`` is no outcome; the message lists them.
        """
        name = outcome.value if isinstance(outcome, Outcome) else outcome
        for key, _, rate in self.outcomes:
            if key == name:
                return rate
        known = ", ".join(repr(item.value) for item in Outcome)
        msg = f"outcome: {outcome!r:.40} is no outcome; the outcomes are {known}"
        raise InvalidInput(msg, "outcome")

    def measure(self, name: str, statistic: str = "mean") -> float:
        """One statistic of one measure.

        Args:
            name: One of :data:`MEASURES` (``"events"``, ``"refusals"``, ...).
            statistic: ``mean``, ``min``, ``p5``, ``p25``, ``median``, ``p75``, ``p95`` or
                ``max``.

        Returns:
            The figure (0.0 for every statistic of an empty run).

        Raises:
            InvalidInput: ``name`` is no measure or ``statistic`` no statistic; the
                message lists the valid ones.
        """
        stats = next((found for key, found in self.measures if key == name), None)
        if stats is None:
            msg = f"name: {name!r:.40} is no measure; the measures are {', '.join(MEASURES)}"
            raise InvalidInput(msg, "name")
        if statistic not in _STATS:
            msg = (
                f"statistic: {statistic!r:.40} is no statistic; the statistics are "
                f"{', '.join(_STATS)}"
            )
            raise InvalidInput(msg, "statistic")
        return dict(stats).get(statistic, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data."""
        return {
            "conversations": self.conversations,
            "outcomes": {key: {"count": count, "rate": rate} for key, count, rate in self.outcomes},
            "measures": {name: dict(stats) for name, stats in self.measures},
            "refusals_by_code": dict(self.refusals_by_code),
            "advisories_by_code": dict(self.advisories_by_code),
        }

    def __str__(self) -> str:
        lines = [f"{self.conversations:,} conversations", "", "outcome          count    rate"]
        lines.extend(f"{key:<14} {count:>7,}  {rate:>6.1%}" for key, count, rate in self.outcomes)
        lines += ["", f"{'measure':<17}" + "".join(f"{s:>11}" for s in _STATS)]
        for name, stats in self.measures:
            lines.append(f"{name:<17}" + "".join(f"{value:>11.1f}" for _, value in stats))
        for title, counts in (
            ("refusals", self.refusals_by_code),
            ("advisories", self.advisories_by_code),
        ):
            lines += ["", f"{title} by code"]
            lines.extend(f"  {code:<34} {count:>9,}" for code, count in counts)
            if not counts:
                lines.append("  (none)")
        return "\n".join(lines)


_STATS: Final = ("mean", "min", "p5", "p25", "median", "p75", "p95", "max")


def make_report(summaries: Sequence[Summary]) -> Report:
    """Aggregate summaries into a :class:`Report`."""
    total = len(summaries)
    outcomes = Counter(summary.outcome for summary in summaries)
    measures = []
    for name in MEASURES:
        ordered = sorted(getattr(summary, name) for summary in summaries)
        stats = [("mean", sum(ordered) / total if total else 0.0)]
        if ordered:
            stats.append(("min", float(ordered[0])))
            stats.extend(
                (label, _quantile(ordered, q))
                for label, q in zip(("p5", "p25", "median", "p75", "p95"), _QUANTILES, strict=True)
            )
            stats.append(("max", float(ordered[-1])))
        measures.append((name, tuple((label, round(value, 3)) for label, value in stats)))
    refusals: Counter[str] = Counter()
    advisories: Counter[str] = Counter()
    for summary in summaries:
        for code, count in summary.refusals_by_code:
            refusals[code] += count
        for code, count in summary.advisories_by_code:
            advisories[code] += count
    return Report(
        conversations=total,
        outcomes=tuple(
            (outcome.value, outcomes[outcome], outcomes[outcome] / total if total else 0.0)
            for outcome in Outcome
        ),
        measures=tuple(measures),
        refusals_by_code=tuple(sorted(refusals.items(), key=lambda kv: (-kv[1], kv[0]))),
        advisories_by_code=tuple(sorted(advisories.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


@attrs.frozen(eq=False)
class SimulationResult:
    """What :func:`simulate` produced.

    Attributes:
        n: How many conversations.
        seed: The seed of the run.
        policy: The policy they followed.
        protocol: The protocol they followed.
        summaries: One :class:`Summary` per conversation, in index order.
    """

    n: int
    seed: int
    policy: SimPolicy
    protocol: Protocol
    summaries: tuple[Summary, ...]
    _events: tuple[tuple[Event, ...], ...] | None = attrs.field(repr=False)

    def __repr__(self) -> str:
        kept = "with events" if self._events is not None else "summaries only"
        return (
            f"<SimulationResult of {self.n:,} conversations, seed {self.seed}, "
            f"{type(self.policy).__name__}, {self.protocol.name}, {kept}>"
        )

    def report(self) -> Report:
        """Outcome rates, quantiles and code totals of the run (``str()`` is a table)."""
        return make_report(self.summaries)

    @property
    def kept_events(self) -> bool:
        """Whether the run kept its events (``keep_events=True``)."""
        return self._events is not None

    def conversations(self) -> Iterator[tuple[Event, ...]]:
        """Every conversation's events, in index order.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
        """
        if self._events is None:
            msg = (
                "This run kept summaries only (keep_events=False); simulate again with "
                "keep_events=True, or stream the events to a file with out=."
            )
            raise EventsNotKept(msg)
        return iter(self._events)

    def events(self) -> Iterator[Event]:
        """Every simulated event, conversation after conversation, oldest first.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
        """
        for events in self.conversations():
            yield from events

    def to_pandas(self, activity: str = "kind") -> Any:
        """The events as a long pandas table (needs ``threetalk[analysis]``).

        The columns take pm4py's names, so ``pm4py.discover_dfg(result.to_pandas())`` and
        pm4py's other functions take the table as it is:

        * ``case:concept:name``: the case id, the policy's name and the conversation's id
          (``"conflicted/sim-7-0"``), so that tables of runs of different policies with
          the same seed can be combined;
        * ``concept:name``: the activity, the event kind (or its phase with
          ``activity="phase"``);
        * ``time:timestamp``: the event's time (aware, UTC);
        * ``org:resource``: the actor's role, ``system`` for the system's own events;
        * ``seq``, ``actor``, ``phase``, ``kind`` and ``data`` (JSON text): the event's own
          fields;
        * ``case:conversation``, ``case:policy``, ``case:protocol``, ``case:seed``,
          ``case:outcome`` and ``case:decided``: the case's attributes, on every row.

        Args:
            activity: What ``concept:name`` holds: the event ``"kind"`` or its
                ``"phase"``.

        Returns:
            A ``pandas.DataFrame``, one row per event, conversation after conversation.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
            InvalidInput: ``activity`` is neither ``"kind"`` nor ``"phase"``.
            ImportError: pandas is not installed.
        """
        if not isinstance(activity, str) or activity not in ("kind", "phase"):
            msg = f"activity: expected 'kind' or 'phase', got {activity!r:.40}"
            raise InvalidInput(msg, "activity")
        try:
            import pandas as pd  # type: ignore[import-untyped]  # noqa: PLC0415 - optional
        except ImportError:
            msg = "to_pandas() needs pandas: pip install 'threetalk[analysis]'"
            raise ImportError(msg) from None
        rows: list[tuple[Any, ...]] = []
        for events, case in self._cases():
            roles = roles_of(events)
            about = (
                case.conversation,
                case.policy,
                case.protocol,
                case.seed,
                case.outcome,
                case.decided,
            )
            rows.extend(
                (
                    case.id,
                    event.kind if activity == "kind" else event.phase.value,
                    event.at,
                    SYSTEM if event.actor is None else roles.get(event.actor, ""),
                    event.seq,
                    event.actor,
                    event.phase.value,
                    event.kind,
                    data_text(event),
                    *about,
                )
                for event in events
            )
        frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
        frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True)
        return frame

    def _cases(self) -> Iterator[tuple[tuple[Event, ...], Case]]:
        """Every conversation's events with its case, in index order.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
        """
        run = Run.of(self.policy, self.protocol, self.seed)
        conversations = self.conversations()
        return zip(conversations, map(run.case, self.summaries), strict=True)

    def to_xes(self, path: str | os.PathLike[str], *, activity: str = "kind") -> None:
        """Write the events as IEEE 1849-2016 XES, valid under the standard's XSD.

        One trace per conversation, named by its case id (``"conflicted/sim-7-0"``) with
        the case's attributes (``threetalk:conversation``, ``threetalk:policy``,
        ``threetalk:protocol``, ``threetalk:seed``, ``threetalk:outcome``,
        ``threetalk:decided``); every event has ``lifecycle:transition`` ``complete``.
        The keys ``threetalk:...`` belong to the declared extension Threetalk
        (``urn:threetalk:xes:extension:1``). See ``docs/simulation.md``.

        Args:
            path: The file to write (through a temporary file renamed into place).
            activity: What ``concept:name`` holds: the event ``"kind"`` or its ``"phase"``.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
            InvalidInput: ``path`` cannot be written (no such folder, no permission, a
                folder, a store this process has open), or ``activity`` is
                neither.
        """
        self._write(path, "xes", activity)

    def to_ocel(self, path: str | os.PathLike[str]) -> None:
        """Write the events as OCEL 2.0 JSON, valid under the standard's JSON schema.

        Objects ``conversation`` (named by the case id, ``"conflicted/sim-7-0"``),
        ``participant`` and ``option``; every attribute value is text, its type declared
        in ``eventTypes`` and ``objectTypes``; times to the microsecond.

        Args:
            path: The file to write (through a temporary file renamed into place).

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
            InvalidInput: ``path`` cannot be written (no such folder, no permission, a
                folder, a store this process has open).
        """
        self._write(path, "ocel", "kind")

    def to_csv(self, path: str | os.PathLike[str], *, activity: str = "kind") -> None:
        """Write the events as CSV, one row per event (the columns of ``to_pandas``).

        Args:
            path: The file to write (through a temporary file renamed into place).
            activity: What ``concept:name`` holds: the event ``"kind"`` or its ``"phase"``.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
            InvalidInput: ``path`` cannot be written (no such folder, no permission, a
                folder, a store this process has open), or ``activity`` is
                neither.
        """
        self._write(path, "csv", activity)

    def to_sqlite(self, path: str | os.PathLike[str], *, append: bool = False) -> None:
        """Write the events to a :mod:`threetalk.store` SQLite store.

        A new store is built beside ``path`` and moved into place when complete, so an
        interrupted export leaves no file.

        Args:
            path: The store file.
            append: Add to the store already at ``path``; without it an existing file is
                refused.

        Raises:
            EventsNotKept: The run was made with ``keep_events=False``.
            InvalidInput: ``path`` exists and ``append`` is not set, or cannot be written.
            StoreError: With ``append=True``: ``path`` is not a store, or already holds
                one of these conversations.
        """
        self._write(path, "sqlite", "kind", append=append)

    def _write(
        self, path: str | os.PathLike[str], fmt: str, activity: str, *, append: bool = False
    ) -> None:
        if not isinstance(append, bool):
            msg = f"append: expected True or False, got {append!r:.40}"
            raise InvalidInput(msg, "append")
        cases = self._cases()
        writer = open_writer(path, fmt, activity, append=append)
        try:
            for events, case in cases:
                writer.write(events, case)
        except BaseException:
            writer.abort()
            raise
        writer.close()
