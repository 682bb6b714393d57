"""Every public entry point of ``threetalk.store``, given junk, lets only ThreetalkErrors
escape and changes nothing (the core's fuzz test, extended to the stores)."""

from __future__ import annotations

import io
from datetime import UTC
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threetalk as tt
from threetalk import store as ts

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.text(max_size=12),
    st.sampled_from(["", "\ud800", "nul\x00", "x.db", "postgresql://nowhere", "-"]),
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([tt.three_talk(), tt.Phase.TEAM_TALK, object(), io.StringIO("{}")]),
)


def _nothing(conversation: tt.Conversation) -> None:
    """A command that gives no command."""


def _calls(memory: ts.MemoryStore, sqlite: ts.SQLiteStore) -> dict[str, Callable[[Any], Any]]:
    """Each public entry point, with the junk in the place of one argument."""
    return {
        "MemoryStore(key)": lambda junk: ts.MemoryStore(key=junk),
        "SQLiteStore(path)": lambda junk: ts.SQLiteStore(junk, create=False),
        "SQLiteStore(key)": lambda junk: ts.SQLiteStore(sqlite.path, key=junk),
        "SQLiteStore(durability)": lambda junk: ts.SQLiteStore(sqlite.path, durability=junk),
        "SQLiteStore(timeout)": lambda junk: ts.SQLiteStore(sqlite.path, timeout=junk),
        "open_conversation(store)": lambda junk: ts.open_conversation(junk, "c1"),
        "open_conversation(id)": lambda junk: ts.open_conversation(memory, junk),
        "open_conversation(protocol)": lambda junk: ts.open_conversation(memory, "c1", junk),
        "retrying(store)": lambda junk: ts.retrying(junk, "c1", _nothing),
        "retrying(id)": lambda junk: ts.retrying(memory, junk, _nothing),
        "retrying(command)": lambda junk: ts.retrying(memory, "c1", junk),
        "retrying(attempts)": lambda junk: ts.retrying(memory, "c1", _nothing, attempts=junk),
        "retrying(protocol)": lambda junk: ts.retrying(memory, "c1", _nothing, protocol=junk),
        "verify_store(store)": ts.verify_store,
        "verify_store(protocols)": lambda junk: ts.verify_store(memory, junk),
        "read_jsonl(source)": ts.read_jsonl,
        "read_jsonl(key)": lambda junk: ts.read_jsonl(io.StringIO(""), key=junk),
        "import_jsonl(store)": lambda junk: ts.import_jsonl(io.StringIO(""), junk),
        "export_jsonl(target)": lambda junk: ts.export_jsonl(memory, junk),
        "memory.append_many": memory.append_many,
        "memory.append_events": memory.append_events,
        "memory.load": memory.load,
        "memory.head": memory.head,
        "sqlite.append_many": sqlite.append_many,
        "sqlite.append_events": sqlite.append_events,
        "sqlite.load": sqlite.load,
        "sqlite.head": sqlite.head,
    }


@pytest.fixture
def stores(tmp_path: Path) -> tuple[ts.MemoryStore, ts.SQLiteStore]:
    """A memory and a SQLite store, each holding conversation c1."""
    memory = ts.MemoryStore()
    sqlite = ts.SQLiteStore(tmp_path / "talks.db")
    for store in (memory, sqlite):
        conv = tt.Conversation(conversation_id="c1", store=store)
        conv.join("Client", tt.Role.CLIENT)
    return memory, sqlite


@pytest.mark.parametrize(
    "name",
    sorted(_calls(ts.MemoryStore(), ts.MemoryStore())),  # type: ignore[arg-type] - names only
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(junk=_junk)
def test_only_threetalk_errors_escape(
    name: str,
    junk: Any,
    stores: tuple[ts.MemoryStore, ts.SQLiteStore],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Junk in any argument of any store entry point is a ThreetalkError or works; the
    stores hold what they held."""
    memory, sqlite = stores
    (tmp_path / "cwd").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path / "cwd")  # junk file names land here, not in the project
    before = (memory.load("c1"), sqlite.load("c1"), set(tmp_path.iterdir()))
    call = _calls(memory, sqlite)[name]

    try:
        result = call(junk)
    except tt.ThreetalkError:
        result = None
    if isinstance(result, ts.SQLiteStore | ts.MemoryStore):
        result.close()

    assert memory.load("c1") == before[0]
    assert sqlite.load("c1") == before[1]
    assert set(tmp_path.iterdir()) <= before[2] | {
        tmp_path / "talks.db-wal",
        tmp_path / "talks.db-shm",
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"attempts": 0}, "attempts: expected a whole number of at least 1, got 0"),
        ({"attempts": True}, "attempts: expected a whole number"),
        ({"attempts": 2.0}, "attempts: expected a whole number"),
        ({"command": "add_topic"}, "command: expected a callable"),
    ],
)
def test_retrying_refuses_bad_arguments_before_calling_anything(
    arguments: dict[str, Any], message: str
) -> None:
    """Bad attempts or a command that cannot be called are InvalidInput, and the command
    is never called."""
    store = ts.MemoryStore()
    tt.Conversation(conversation_id="c1", store=store)
    calls: list[tt.Conversation] = []
    given = {"command": calls.append, **arguments}

    with pytest.raises(tt.InvalidInput, match=message):
        ts.retrying(store, "c1", **given)

    assert calls == []
