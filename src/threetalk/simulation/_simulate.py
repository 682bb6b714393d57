"""``simulate``: a seeded population of conversations, on one core, many, or a Dask cluster."""

from __future__ import annotations

import ast
import gc
import inspect
import math
import multiprocessing
import os
import pickle
import pickletools
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from threetalk._exceptions import InvalidInput
from threetalk._files import writable_path
from threetalk._protocols import Protocol
from threetalk.simulation._export import (
    Run,
    SQLiteWriter,
    Writer,
    format_of,
    open_writer,
)
from threetalk.simulation._policy import Policy, SimPolicy, check_policy
from threetalk.simulation._result import SimulationResult
from threetalk.simulation._run import Chunk, run_chunk, unpack

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from threetalk._trail import Event
    from threetalk.simulation._summary import Summary

BACKENDS: Final = ("processes", "dask")


def _check_args(
    n: object,
    seed: object,
    workers: object,
    backend: object,
    client: object,
    chunk_size: object,
    max_steps: object,
    keep_events: object,
    append: object,
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
    if not isinstance(backend, str) or backend not in BACKENDS:
        msg = f"backend: expected 'processes' or 'dask', got {backend!r:.40}"
        raise InvalidInput(msg, "backend")
    if backend != "dask" and client is not None:
        msg = "client: a Dask client or scheduler address is used only with backend='dask'"
        raise InvalidInput(msg, "client")
    for name, value in (("keep_events", keep_events), ("append", append)):
        if not isinstance(value, bool):
            msg = f"{name}: expected True or False, got {value!r:.40}"
            raise InvalidInput(msg, name)


def _check_progress(progress: object) -> None:
    """Refuse a ``progress`` that cannot be called as ``progress(done, n)``.

    Raises:
        InvalidInput: ``progress`` is not callable, is a class (calling it would build an
            object, not report progress), or its signature does not take two arguments.
    """
    if progress is None:
        return
    if isinstance(progress, type):
        msg = (
            f"progress: expected a function called as progress(done, n), got the class "
            f"{progress.__name__} itself"
        )
        raise InvalidInput(msg, "progress")
    if not callable(progress):
        msg = f"progress: expected a callable, got {type(progress).__name__}"
        raise InvalidInput(msg, "progress")
    try:
        signature = inspect.signature(progress)
    except (TypeError, ValueError):  # some built-ins have none: trust them
        return
    try:
        signature.bind(0, 0)
    except TypeError:
        msg = f"progress: {progress!r:.60} cannot be called as progress(done, n)"
        raise InvalidInput(msg, "progress") from None


def _out_paths(out: object) -> list[str | os.PathLike[str]]:
    """The output paths ``out`` names, each checked, none twice."""
    if out is None:
        return []
    if isinstance(out, str | os.PathLike):
        paths = [out]
    elif isinstance(out, list | tuple):
        paths = list(out)
    else:
        msg = f"out: expected a file path or a list of them, got {type(out).__name__}"
        raise InvalidInput(msg, "out")
    seen: set[str] = set()
    for path in paths:
        target = writable_path(path, "out")
        format_of(target)
        real = os.path.realpath(target)
        if real in seen:
            msg = f"out: {str(target)!r} is named twice"
            raise InvalidInput(msg, "out")
        seen.add(real)
    return paths


def simulate(
    n: int,
    *,
    seed: int,
    policy: SimPolicy | str | None = None,
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
    append: bool = False,
) -> SimulationResult:
    """Simulate ``n`` conversations on the real engine under a behaviour policy.

    Conversation ``i`` depends on ``(seed, i)`` alone (its random generator, id, start time
    and clock), so the result is the same for any ``workers``, ``backend`` and
    ``chunk_size``.

    Args:
        n: How many conversations.
        seed: The seed of the run.
        policy: A :class:`Policy`, a preset name (``"conflicted"``) or your own
            :class:`~threetalk.typing.PolicyLike`; :meth:`Policy.ideal` when not given.
            With ``workers > 1`` its class must be importable by the worker processes
            (defined at the top level of a module or script).
        workers: Processes (or, with Dask and no ``client``, local Dask workers).
        backend: ``"processes"`` (one machine) or ``"dask"`` (needs ``threetalk[dask]``).
        client: With ``backend="dask"``: a ``dask.distributed.Client`` or a scheduler
            address; a local cluster of ``workers`` workers when not given.
        keep_events: Keep every event in memory (``False``: summaries only).
        protocol: The protocol; :func:`~threetalk.three_talk` when not given.
        out: A file, or several, to stream the events to while the run goes (the suffix
            names the format: ``.xes``, ``.jsonocel``/``.json`` (OCEL 2.0), ``.csv``,
            ``.sqlite``/``.sqlite3``/``.db``); works with ``keep_events=False``. Each is
            written to a temporary file beside it and moved into place when the run
            completes; an interrupted run leaves none.
        activity: What ``out`` files use as activity: the event ``"kind"`` or its
            ``"phase"``.
        chunk_size: Conversations per unit of work; chosen from ``n`` and ``workers``
            when not given.
        max_steps: Actions a conversation may try before the simulator closes it.
        progress: Called as ``progress(done, n)`` after each chunk.
        append: Add the conversations to a SQLite store that already exists at an ``out``
            path (in place: an interrupted run keeps the batches written). Without it,
            an existing store is refused. Other files are always replaced.

    Returns:
        The summaries (and events) of every conversation, in index order.

    Raises:
        InvalidInput: A malformed argument, before any work starts: among others a
            policy that the worker processes cannot import, or an existing store at an
            ``out`` path without ``append=True``.
        PolicyError: The policy returned something that cannot be carried out; the error
            names the conversation's index and the seed.
        StoreError: With ``append=True``: an ``out`` store cannot be opened, or already
            holds one of the run's conversations.

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
    check_policy(policy)
    _check_args(n, seed, workers, backend, client, chunk_size, max_steps, keep_events, append)
    if protocol is None:
        from threetalk._protocols import three_talk  # noqa: PLC0415 - keeps imports light

        protocol = three_talk()
    elif not isinstance(protocol, Protocol):
        msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
        raise InvalidInput(msg, "protocol")
    if not isinstance(activity, str) or activity not in ("kind", "phase"):
        msg = f"activity: expected 'kind' or 'phase', got {activity!r:.40}"
        raise InvalidInput(msg, "activity")
    paths = _out_paths(out)
    _check_progress(progress)
    if backend == "processes" and workers > 1:
        check_reaches_workers(policy)
    if chunk_size is None:
        # Small enough that the last chunks leave no worker idle for long (32 per worker),
        # large enough that handing one out costs nothing next to running it.
        chunk_size = max(1, min(1000, math.ceil(n / (workers * 32))))
    compact = backend == "dask" or workers > 1
    template = Chunk(0, 0, seed, policy, protocol, keep_events or bool(paths), max_steps, compact)
    chunks = [
        attrs.evolve(template, start=start, stop=min(start + chunk_size, n))
        for start in range(0, n, chunk_size)
    ]
    summaries, kept = _drive(
        chunks,
        run=Run.of(policy, protocol, seed),
        backend=backend,
        workers=workers,
        client=client,
        paths=paths,
        activity=activity,
        append=append,
        keep_events=keep_events,
        progress=progress,
    )
    return SimulationResult(
        n, seed, policy, protocol, tuple(summaries), None if kept is None else tuple(kept)
    )


def _drive(
    chunks: list[Chunk],
    *,
    run: Run,
    backend: str,
    workers: int,
    client: Any,
    paths: list[str | os.PathLike[str]],
    activity: str,
    append: bool,
    keep_events: bool,
    progress: Callable[[int, int], object] | None,
) -> tuple[list[Summary], list[tuple[Event, ...]] | None]:
    """Run the chunks where ``backend`` says, streaming ``run``'s cases to the ``paths``."""
    n = chunks[-1].stop
    compact = chunks[0].compact
    writers: list[Writer | SQLiteWriter] = []
    summaries: list[Summary] = []
    kept: list[tuple[Event, ...]] | None = [] if keep_events else None
    results: Iterator[Any] | None = None
    try:
        for path in paths:
            writers.append(open_writer(path, None, activity, append=append))
        results = _results(chunks, backend, workers, client)
        for chunk_summaries, shipped in results:
            summaries.extend(chunk_summaries)
            if shipped is not None:
                chunk_events = [unpack(packed) for packed in shipped] if compact else shipped
                if writers:
                    cases = [run.case(summary) for summary in chunk_summaries]
                    for writer in writers:
                        for events, case in zip(chunk_events, cases, strict=True):
                            writer.write(events, case)
                if kept is not None:
                    kept.extend(chunk_events)
            if progress is not None:
                progress(len(summaries), n)
        for writer in writers:
            writer.close()
    except BaseException:
        for writer in writers:
            writer.abort()
        close = getattr(results, "close", None)
        if close is not None:
            close()
        raise
    return summaries, kept


# ---------------------------------------------------------------------- reaching the workers


def check_reaches_workers(policy: object) -> None:
    """Check that worker processes can rebuild ``policy`` from its pickle.

    A worker process unpickles the policy by importing, by name, every class and function
    its pickle refers to. A class defined inside a function cannot be pickled at all; one
    defined in ``__main__`` is found only when ``__main__`` is a script the workers run
    again (its top level, not the part under ``if __name__ == "__main__":``), never in an
    interactive session, a notebook or ``python -c``.

    Raises:
        InvalidInput: The policy cannot be pickled, or refers to something the worker
            processes cannot import; the message says what to do.
    """
    advice = (
        "define its class at the top level of a module (or of the script you run), or use workers=1"
    )
    name = type(policy).__qualname__
    try:
        pickled = pickle.dumps(policy)
    except Exception as error:  # noqa: BLE001 - whatever pickling raises, the advice is one
        msg = (
            f"policy: {name} cannot be sent to worker processes "
            f"({type(error).__name__}: {error!s:.200}); {advice}"
        )
        raise InvalidInput(msg, "policy") from None
    for module, qualname in _globals(pickled):
        problem = _unreachable(module, qualname)
        if problem is not None:
            msg = f"policy: worker processes cannot rebuild {name}: {problem}; {advice}"
            raise InvalidInput(msg, "policy")


_STRINGS: Final = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"})
_GETS: Final = frozenset({"GET", "BINGET", "LONG_BINGET"})
_PUTS: Final = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _globals(pickled: bytes) -> set[tuple[str, str]]:
    """``(module, qualified name)`` of every class or function a pickle refers to."""
    found: set[tuple[str, str]] = set()
    memo: dict[int, object] = {}
    recent: list[object] = []  # what the last opcodes pushed, as far as it matters here
    for opcode, argument, _ in pickletools.genops(pickled):
        name = opcode.name
        if name in _STRINGS:
            recent.append(argument)
        elif name in _GETS:
            recent.append(memo.get(int(str(argument))))
        elif name == "MEMOIZE":
            memo[len(memo)] = recent[-1] if recent else None
        elif name in _PUTS:
            memo[int(str(argument))] = recent[-1] if recent else None
        elif name in {"GLOBAL", "INST"}:
            module, _, qualname = str(argument).partition(" ")
            found.add((module, qualname))
        elif name == "STACK_GLOBAL":
            pair = recent[-2:]
            if len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str):
                found.add((pair[0], pair[1]))
            recent.append(None)
        else:
            recent.append(None)
        del recent[:-2]
    return found


def _unreachable(module: str, qualname: str) -> str | None:
    """Why a worker process could not import ``module.qualname``; ``None`` if it can."""
    if module not in {"__main__", "__mp_main__"}:
        loaded = sys.modules.get(module)
        if loaded is None or getattr(loaded, "__spec__", None) is None:
            return f"the module {module!r} it uses cannot be imported by name"
        return None
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    spec_name = getattr(spec, "name", None)
    if spec_name is not None and spec_name != "__main__" and not spec_name.endswith(".__main__"):
        path = getattr(spec, "origin", None)  # the workers import the main module by name
    elif spec_name is None:
        path = getattr(main, "__file__", None)  # the workers run the main script again
    else:
        path = None  # python -m package: the workers do not run it again
    if path is None:
        return (
            f"{qualname} is defined in __main__ (an interactive session, a notebook or "
            "python -c), which worker processes cannot import"
        )
    if qualname.partition(".")[0] not in _top_level_names(path):
        return (
            f"{qualname} is not defined at the top level of {path} (inside a function, or "
            "under if __name__ == '__main__':), which is all that worker processes run"
        )
    return None


def _top_level_names(path: str) -> set[str]:
    """The names a script binds at its top level, as far as its source tells."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(found.id for found in ast.walk(target) if isinstance(found, ast.Name))
    return names


def _results(chunks: list[Chunk], backend: str, workers: int, client: Any) -> Iterator[Any]:
    """Every chunk's result, in order, from where ``backend`` and ``workers`` say."""
    if backend == "dask":
        return _dask(chunks, workers, client)
    if workers == 1:
        return map(run_chunk, chunks)
    return _processes(chunks, workers)


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
