"""What every event store (recorder) shares: its interface, its findings, chain checks.

A store is anything that fits :class:`~threetalk.typing.EventStore`:
:class:`~threetalk.store.MemoryStore`, :class:`~threetalk.store.SQLiteStore` and
:class:`~threetalk.store.PostgresStore` ship with threetalk. A store knows events and
chains, never conversations: it imports the trail layer (:mod:`threetalk._trail`) and the
exceptions, and nothing of the domain. Rebuilding a conversation from a store is
:mod:`threetalk._rebuild`'s work, one layer up. Conversation code only ever sees ``key``
and ``append_events``.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from threetalk._exceptions import InvalidInput, StoreError, TamperedLog
from threetalk._phases import PHASE_BY_VALUE
from threetalk._trail import Event, Head, Links
from threetalk._trail.event import decode_data

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

_KEY_LABEL: Final = b"threetalk store key check, version 1"


@attrs.frozen
class Finding:
    """One problem ``verify`` found in a store.

    Attributes:
        message: The problem in plain words.
        conversation_id: The conversation concerned; ``None`` for the store as a whole.
        seq: Where its chain first breaks, for a broken chain.
        severity: ``"error"`` (the trail cannot be trusted as it is) or ``"warning"``.
    """

    message: str
    conversation_id: str | None = None
    seq: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        if self.conversation_id is None:
            return self.message
        where = f"conversation {self.conversation_id!r}"
        if self.seq is not None:
            where += f" seq {self.seq}"
        return f"{where}: {self.message}"


@attrs.frozen
class VerifyReport:
    """What ``verify`` found: the head of every intact chain and every problem.

    Attributes:
        heads: The head of every conversation whose chain verifies, by conversation id.
        findings: Every problem, store-wide ones first.
    """

    heads: dict[str, Head]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether no finding is an error (warnings alone leave the trail trustworthy)."""
        return all(finding.severity != "error" for finding in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that are errors."""
        return tuple(finding for finding in self.findings if finding.severity == "error")


def check_conversation_id(conversation_id: object) -> str:
    """A conversation id as stores take it: a string that UTF-8 can encode.

    Raises:
        InvalidInput: It is not a string, or holds a lone surrogate.
    """
    if not isinstance(conversation_id, str):
        msg = f"conversation_id: expected a string, got {type(conversation_id).__name__}"
        raise InvalidInput(msg, "conversation_id")
    try:
        conversation_id.encode("utf-8")
    except UnicodeEncodeError:
        msg = f"conversation_id: {conversation_id!r:.60} is not valid text (a lone surrogate)"
        raise InvalidInput(msg, "conversation_id") from None
    return conversation_id


class StoredChains:
    """Checks a store's conversations as it reads them back, row by row.

    Rows are checked against their stored canonical text (no decoding and re-encoding),
    with the links, hashes and envelope invariants of :class:`threetalk._trail.Links`.
    Feed each conversation's rows in ``seq`` order; conversations may come one after
    another or interleaved. The first problem of a conversation becomes a finding and the
    rest of its rows are skipped.

    Args:
        key: The key of the store's keyed chains, or ``None``.
    """

    def __init__(self, key: bytes | None) -> None:
        self._links = Links(key)
        self._counts: dict[str, int] = {}
        self._broken: dict[str, Finding] = {}

    def row(self, row: Sequence[object]) -> None:
        """Check one stored row: ``(conversation_id, seq, at, kind, actor, phase, data,
        prev, hash)``, as the store holds them."""
        conversation_id = row[0]
        if not isinstance(conversation_id, str):
            conversation_id = repr(conversation_id)
        if conversation_id in self._broken:
            return
        position = self._counts.get(conversation_id, 0) + 1
        self._counts[conversation_id] = position
        seq, at, kind, actor, phase, data, prev, digest = row[1:9]
        why: str | None
        if seq != position:
            why = f"the stored event at position {position} has seq {seq!r:.20}"
        elif (
            isinstance(at, str)
            and isinstance(kind, str)
            and isinstance(phase, str)
            and isinstance(data, str)
            and isinstance(prev, str)
            and isinstance(digest, str)
            and (actor is None or isinstance(actor, str))
        ):
            why = self._links.follow_row(
                conversation_id, position, at, kind, actor, phase, data, prev, digest
            )
        else:
            why = "the stored row cannot be read as an event (a field of the wrong type)"
        if why is not None:
            message = f"The audit trail breaks at seq {position}: {why}."
            self._broken[conversation_id] = Finding(message, conversation_id, position)

    def result(self) -> tuple[dict[str, Head], list[Finding]]:
        """The heads of the intact chains and a finding for each broken one."""
        heads = {cid: head for cid, head in self._links.heads().items() if cid not in self._broken}
        return heads, list(self._broken.values())


def check_layout(
    name: str,
    versions: Sequence[Sequence[object]],
    tables: set[str],
    expected: Iterable[str],
    *,
    reads: int,
    table: str = "schema_version",
) -> None:
    """Refuse a store whose layout this threetalk cannot read, leaving it as it is.

    Args:
        name: How messages name the store (its path, its database).
        versions: The rows of its schema-version table.
        tables: The tables it has.
        expected: The tables a store of this layout has.
        reads: The layout version this threetalk reads and writes.
        table: How messages name the schema-version table.

    Raises:
        StoreError: The version table is damaged, the version is another, or a table is
            missing.
    """
    version = versions[0][0] if len(versions) == 1 else None
    if type(version) is not int:
        msg = f"{name}: the {table} table is damaged ({versions!r:.60})"
        raise StoreError(msg)
    if version != reads:
        newer = "a newer" if version > reads else "an older"
        msg = (
            f"{name}: written by {newer} threetalk (store schema version {version}; this "
            f"one reads version {reads}); it was left as it is"
        )
        raise StoreError(msg)
    missing = sorted(set(expected) - tables)
    if missing:
        msg = f"{name}: the threetalk store lacks its table(s) {', '.join(missing)}"
        raise StoreError(msg)


def check_keyed(name: str, meta: Mapping[str, object], key: bytes | None) -> None:
    """Refuse a key that does not fit the store, from the metadata it recorded at creation.

    Raises:
        StoreError: A keyed store opened without a key, an unkeyed one with a key, a
            store that does not say, or a key other than the one it was created with.
    """
    keyed = meta.get("keyed")
    if keyed == "1" and key is None:
        msg = f"{name}: the store's chains are keyed; open it with its key"
        raise StoreError(msg)
    if keyed == "0" and key is not None:
        msg = f"{name}: the store's chains are not keyed; open it without a key"
        raise StoreError(msg)
    if keyed not in ("0", "1"):
        msg = f"{name}: the store does not say whether its chains are keyed"
        raise StoreError(msg)
    if not hmac.compare_digest(str(meta.get("key_check", "")), key_check(key)):
        msg = f"{name}: this is not the key the store was created with"
        raise StoreError(msg)


def key_check(key: bytes | None) -> str:
    """The key check value a store records at creation: an HMAC of a fixed label.

    It tells, when a store is opened, whether the key given is the one it was created
    with, without keeping the key; ``""`` for an unkeyed store.
    """
    return "" if key is None else hmac.new(key, _KEY_LABEL, sha256).hexdigest()


def stored_events(conversation_id: str, rows: Sequence[Sequence[Any]]) -> tuple[Event, ...]:
    """A conversation's events from its stored rows, as stored (not verified).

    Args:
        conversation_id: The conversation the rows belong to.
        rows: ``(seq, at, kind, actor, phase, data, prev, hash)`` in ``seq`` order, with
            ``at`` and ``data`` in their canonical text.

    Raises:
        TamperedLog: A row cannot even be read as an event (``.seq`` is its position).
    """
    events: list[Event] = []
    append = events.append
    last_text: object = None
    at: datetime | None = None
    for position, (seq, at_text, kind, actor, phase, data, prev, digest) in enumerate(
        rows, start=1
    ):
        try:
            if at_text != last_text:
                at = datetime.fromisoformat(at_text)
                if at.tzinfo is None:
                    msg = "its time has no time zone"
                    raise ValueError(msg)
                last_text = at_text
            append(
                Event(
                    seq,
                    conversation_id,
                    at,  # type: ignore[arg-type]
                    kind,
                    actor,
                    PHASE_BY_VALUE[phase],
                    decode_data(data),
                    prev,
                    digest,
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            msg = (
                f"The audit trail breaks at seq {position}: the stored row with seq "
                f"{seq!r} cannot be read as an event ({error})."
            )
            raise TamperedLog(msg, position) from None
    return tuple(events)
