"""``simulate``: a seeded population of conversations, on one core, many, or a Dask cluster."""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Final

import attrs

from threetalk._exceptions import EventsNotKept, InvalidInput
from threetalk._protocols import Protocol
from threetalk._trail import Event
from threetalk.simulation._export import (
    COLUMNS,
    SYSTEM,
    SQLiteWriter,
    Writer,
    _data_text,
    check_writable,
    format_of,
    open_writer,
    roles_of,
)
from threetalk.simulation._policy import Policy, PolicyLike
from threetalk.simulation._run import Chunk, run_chunk, unpack
from threetalk.simulation._summary import Outcome, Summary

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

BACKENDS: Final = ("processes", "dask")

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
        """The share of conversations with ``outcome`` (0-1)."""
        name = outcome.value if isinstance(outcome, Outcome) else outcome
        return next((rate for key, _, rate in self.outcomes if key == name), 0.0)

    def measure(self, name: str, statistic: str = "mean") -> float:
        """One statistic (``mean``, ``min``, ``p5`` ... ``max``) of one measure."""
        return dict(dict(self.measures)[name])[statistic]

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
    policy: PolicyLike
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

        Columns: ``case`` (the conversation id), ``seq``, ``activity`` (the event kind, or
        its phase with ``activity="phase"``), ``timestamp`` (aware, UTC), ``resource`` (the
        actor's role, ``system`` for the system's own events), ``actor``, ``phase``,
        ``kind`` and ``data`` (JSON text).
        """
        try:
            import pandas as pd  # type: ignore[import-untyped]  # noqa: PLC0415 - optional
        except ImportError:
            msg = "to_pandas() needs pandas: pip install 'threetalk[analysis]'"
            raise ImportError(msg) from None
        if activity not in ("kind", "phase"):
            msg = f"activity: expected 'kind' or 'phase', got {activity!r:.40}"
            raise InvalidInput(msg, "activity")
        rows: list[tuple[Any, ...]] = []
        for events in self.conversations():
            roles = roles_of(events)
            rows.extend(
                (
                    event.conversation_id,
                    event.seq,
                    event.kind if activity == "kind" else event.phase.value,
                    event.at,
                    SYSTEM if event.actor is None else roles.get(event.actor, ""),
                    event.actor,
                    event.phase.value,
                    event.kind,
                    _data_text(event),
                )
                for event in events
            )
        frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        return frame

    def to_xes(self, path: str | os.PathLike[str], *, activity: str = "kind") -> None:
        """Write the events as IEEE XES (``activity``: ``"kind"`` or ``"phase"``)."""
        self._write(path, "xes", activity)

    def to_ocel(self, path: str | os.PathLike[str]) -> None:
        """Write the events as OCEL 2.0 JSON."""
        self._write(path, "ocel", "kind")

    def to_csv(self, path: str | os.PathLike[str], *, activity: str = "kind") -> None:
        """Write the events as CSV, one row per event (the columns of ``to_pandas``)."""
        self._write(path, "csv", activity)

    def to_sqlite(self, path: str | os.PathLike[str]) -> None:
        """Append the events to a :mod:`threetalk.store` SQLite store."""
        self._write(path, "sqlite", "kind")

    def _write(self, path: str | os.PathLike[str], fmt: str, activity: str) -> None:
        conversations = self.conversations()
        writer = open_writer(path, fmt, activity)
        try:
            for events in conversations:
                writer.write(events)
        except BaseException:
            writer.abort()
            raise
        writer.close()


def _check_args(
    n: object,
    seed: object,
    policy: object,
    workers: object,
    backend: object,
    chunk_size: object,
    max_steps: object,
) -> None:
    for name, value in (("n", n), ("workers", workers), ("max_steps", max_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            msg = f"{name}: a whole number of at least 1 is needed, got {value!r:.40}"
            raise InvalidInput(msg, name)
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0
    ):
        msg = f"chunk_size: a whole number of at least 1 is needed, got {chunk_size!r:.40}"
        raise InvalidInput(msg, "chunk_size")
    if isinstance(seed, bool) or not isinstance(seed, int):
        msg = f"seed: a whole number is needed, got {seed!r:.40}"
        raise InvalidInput(msg, "seed")
    if not callable(getattr(policy, "choose", None)):
        msg = (
            f"policy: expected a Policy or an object with a choose(view, rng) method, "
            f"got {type(policy).__name__}"
        )
        raise InvalidInput(msg, "policy")
    if backend not in BACKENDS:
        msg = f"backend: expected 'processes' or 'dask', got {backend!r:.40}"
        raise InvalidInput(msg, "backend")


def simulate(  # noqa: PLR0912, PLR0915
    n: int,
    *,
    seed: int,
    policy: PolicyLike | str | None = None,
    workers: int = 1,
    backend: str = "processes",
    client: Any = None,
    keep_events: bool = True,
    protocol: Protocol | None = None,
    out: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    activity: str = "kind",
    chunk_size: int | None = None,
    max_steps: int = 400,
    progress: Callable[[int, int], object] | None = None,
) -> SimulationResult:
    """Simulate ``n`` conversations on the real engine under a behaviour policy.

    Conversation ``i`` depends on ``(seed, i)`` alone (its random generator, id, start time
    and clock), so the result is the same for any ``workers``, ``backend`` and
    ``chunk_size``.

    Args:
        n: How many conversations.
        seed: The seed of the run.
        policy: A :class:`Policy`, a preset name (``"conflicted"``) or your own
            :class:`PolicyLike`; :meth:`Policy.ideal` when not given.
        workers: Processes (or, with Dask and no ``client``, local Dask workers).
        backend: ``"processes"`` (one machine) or ``"dask"`` (needs ``threetalk[dask]``).
        client: With ``backend="dask"``: a ``dask.distributed.Client`` or a scheduler
            address; a local cluster of ``workers`` workers when not given.
        keep_events: Keep every event in memory (``False``: summaries only).
        protocol: The protocol; :func:`~threetalk.three_talk` when not given.
        out: A file, or several, to stream the events to while the run goes (the suffix
            names the format: ``.xes``, ``.jsonocel``/``.json`` (OCEL 2.0), ``.csv``,
            ``.sqlite``); works with ``keep_events=False``.
        activity: What ``out`` files use as activity: the event ``"kind"`` or its
            ``"phase"``.
        chunk_size: Conversations per unit of work; chosen from ``n`` and ``workers``
            when not given.
        max_steps: Actions a conversation may try before the simulator closes it.
        progress: Called as ``progress(done, n)`` after each chunk.

    Returns:
        The summaries (and events) of every conversation, in index order.

    Raises:
        InvalidInput: A malformed argument, before any work starts.
        PolicyError: The policy returned something that cannot be carried out; the error
            names the conversation's index and the seed.

    >>> from threetalk.simulation import simulate, Policy
    >>> result = simulate(20, seed=7, policy=Policy.ideal())
    >>> len(result.summaries), result.summaries[0].conversation_id
    (20, 'sim-7-0')
    >>> result.report().rate("agreed") > 0.5
    True
    """
    if policy is None:
        policy = Policy.ideal()
    elif isinstance(policy, str):
        policy = Policy.preset(policy)
    _check_args(n, seed, policy, workers, backend, chunk_size, max_steps)
    if protocol is None:
        from threetalk._protocols import three_talk  # noqa: PLC0415 - keeps imports light

        protocol = three_talk()
    elif not isinstance(protocol, Protocol):
        msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
        raise InvalidInput(msg, "protocol")
    if activity not in ("kind", "phase"):
        msg = f"activity: expected 'kind' or 'phase', got {activity!r:.40}"
        raise InvalidInput(msg, "activity")
    if out is None:
        paths: list[str | os.PathLike[str]] = []
    elif isinstance(out, str | os.PathLike):
        paths = [out]
    else:
        paths = list(out)
    for path in paths:
        check_writable(path)
        format_of(path)
    if progress is not None and not callable(progress):
        msg = f"progress: expected a callable, got {type(progress).__name__}"
        raise InvalidInput(msg, "progress")
    if chunk_size is None:
        # Small enough that the last chunks leave no worker idle for long (32 per worker),
        # large enough that handing one out costs nothing next to running it.
        chunk_size = max(1, min(1000, math.ceil(n / (workers * 32))))
    needs_events = keep_events or bool(paths)
    compact = backend == "dask" or workers > 1
    chunks = [
        Chunk(
            start,
            min(start + chunk_size, n),
            seed,
            policy,
            protocol,
            needs_events,
            max_steps,
            compact,
        )
        for start in range(0, n, chunk_size)
    ]
    if backend == "dask":
        results = _dask(chunks, workers, client)
    elif workers == 1:
        results = map(run_chunk, chunks)
    else:
        results = _processes(chunks, workers)
    writers: list[Writer | SQLiteWriter] = []
    summaries: list[Summary] = []
    kept: list[tuple[Event, ...]] | None = [] if keep_events else None
    try:
        writers.extend(open_writer(path, None, activity) for path in paths)
        for chunk_summaries, shipped in results:
            summaries.extend(chunk_summaries)
            if shipped is not None:
                chunk_events = [unpack(packed) for packed in shipped] if compact else shipped
                for writer in writers:
                    for events in chunk_events:
                        writer.write(events)
                if kept is not None:
                    kept.extend(chunk_events)
            if progress is not None:
                progress(len(summaries), n)
    except BaseException:
        for writer in writers:
            writer.abort()
        close = getattr(results, "close", None)
        if close is not None:
            close()
        raise
    for writer in writers:
        writer.close()
    return SimulationResult(
        n, seed, policy, protocol, tuple(summaries), None if kept is None else tuple(kept)
    )


def _relax_collector() -> None:
    """Let a worker process's cyclic garbage collector run less often.

    A simulated conversation allocates thousands of containers that reference counting
    frees; with the default first threshold (700) the collector runs every few
    conversations for next to nothing. Only in worker processes, which are ours: the
    caller's process is left as it is.
    """
    first, second, third = gc.get_threshold()
    gc.set_threshold(max(first, 50_000), max(second, 20), max(third, 20))


def _processes(chunks: list[Chunk], workers: int) -> Iterator[Any]:
    """Run chunks in worker processes, yielding results in order, a few chunks ahead."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context: Any = multiprocessing.get_context("forkserver")
        # The server imports the simulator once; every worker forks with it loaded.
        context.set_forkserver_preload([run_chunk.__module__])
    else:  # pragma: no cover - not on Linux
        context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_relax_collector
    ) as pool:
        pending: deque[Any] = deque()
        todo = iter(chunks)
        try:
            for chunk in todo:
                pending.append(pool.submit(run_chunk, chunk))
                if len(pending) >= workers * 4:
                    break
            while pending:
                result = pending.popleft().result()
                for chunk in todo:
                    pending.append(pool.submit(run_chunk, chunk))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()


def _dask(chunks: list[Chunk], workers: int, client: Any) -> Iterator[Any]:
    """Run chunks on a Dask cluster, yielding results in order, a few chunks ahead."""
    try:
        from dask.distributed import Client  # noqa: PLC0415 - optional dependency
    except ImportError:
        msg = "backend='dask' needs dask.distributed: pip install 'threetalk[dask]'"
        raise InvalidInput(msg, "backend") from None
    own = None
    if client is None:
        own = client = Client(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    elif isinstance(client, str):
        own = client = Client(client)  # type: ignore[no-untyped-call]
    elif not isinstance(client, Client):
        msg = f"client: expected a dask.distributed.Client or an address, got {client!r:.60}"
        raise InvalidInput(msg, "client")
    return _dask_results(chunks, client, own)


def _dask_results(chunks: list[Chunk], client: Any, own: Any) -> Iterator[Any]:
    ahead = max(2, 2 * len(client.scheduler_info().get("workers", {}) or [0]))
    pending: deque[Any] = deque()
    todo = iter(chunks)
    try:
        for chunk in todo:
            pending.append(client.submit(run_chunk, chunk, pure=False))
            if len(pending) >= ahead:
                break
        while pending:
            future = pending.popleft()
            result = future.result()
            future.release()
            for chunk in todo:
                pending.append(client.submit(run_chunk, chunk, pure=False))
                break
            yield result
    finally:
        for future in pending:
            future.cancel()
        if own is not None:
            own.close()
