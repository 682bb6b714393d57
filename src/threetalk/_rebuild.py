"""Rebuilding conversations from events: ``replay``, reopening from a store, checking stores.

This is the layer above both the conversation and the stores. The stores (recorders) know
events and chains only; here a conversation is rebuilt from what they hold:

- :func:`replay` verifies a log (links, hashes and envelope invariants, in
  :mod:`threetalk._trail`), resolves the protocol it was recorded under and applies every
  event through the same reducer a live conversation uses, so the rebuilt conversation is
  in exactly the state the original was in. It checks that each event *fits* (its phase,
  its kind, the protocol's steps) but does not run the protocol's rules again: an intact
  chain is trusted to record what was allowed when it happened (see ``docs/store.md`` for
  keyed chains and anchored heads).
- :func:`open_conversation` does the same from a store and attaches the store.
- :func:`verify_store` adds a replay of every conversation to a store's own ``verify``.
- :func:`retrying` reopens a conversation and gives a command again after a conflict.
- :func:`resolve_protocol` is the one protocol check: recorded fingerprint against the
  protocol given, or looked up among the known ones.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final, TypeVar

from threetalk._conversation import Clock, Conversation, rebuild
from threetalk._exceptions import (
    ConflictError,
    InvalidInput,
    ProtocolMismatch,
    TamperedLog,
    ThreetalkError,
    UnknownConversation,
)
from threetalk._guides import builtin_protocols
from threetalk._protocols import Protocol
from threetalk._stores import Finding, VerifyReport
from threetalk._trail import as_event_list, check_key, verify

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from threetalk._trail import Event
    from threetalk.typing import EventStore

T = TypeVar("T")


def known_protocols(extra: Iterable[Protocol] = ()) -> dict[str, Protocol]:
    """The protocols a recorded conversation can be rebuilt under, by fingerprint.

    The built-in protocols first (each also under the fingerprints it supersedes), then
    ``extra`` (which win where fingerprints agree).

    Raises:
        InvalidInput: ``extra`` holds something that is not a :class:`Protocol`.
    """
    found: dict[str, Protocol] = {}
    for protocol in builtin_protocols().values():
        found[protocol.fingerprint] = protocol
        for earlier in protocol.supersedes:
            found.setdefault(earlier, protocol)
    for protocol in protocol_list(extra):
        found[protocol.fingerprint] = protocol
    return found


def protocol_list(protocols: Iterable[Protocol]) -> tuple[Protocol, ...]:
    """``protocols`` as given to a public function, read once into a tuple.

    Raises:
        InvalidInput: It is not an iterable of :class:`Protocol` objects (a single
            protocol or a name is not one either).
    """
    if isinstance(protocols, Protocol | str | bytes) or not hasattr(protocols, "__iter__"):
        msg = f"protocols: expected an iterable of Protocol objects, got {type(protocols).__name__}"
        raise InvalidInput(msg, "protocols")
    listed = tuple(protocols)
    for protocol in listed:
        if not isinstance(protocol, Protocol):
            msg = f"protocols: expected Protocol objects, got {type(protocol).__name__}"
            raise InvalidInput(msg, "protocols")
    return listed


_STORE_METHODS: Final = (
    "append_events",
    "append_many",
    "load",
    "conversation_ids",
    "head",
    "verify",
)


def check_store(store: object) -> None:
    """Refuse something that is not an event store where one is expected.

    Raises:
        InvalidInput: ``store`` lacks the :class:`~threetalk.store.EventStore` methods (a
            path is told to be opened first).
    """
    if isinstance(store, str | os.PathLike):
        msg = (
            f"store: expected an event store, got the path {os.fspath(store)!r:.80}; open "
            "it first, e.g. SQLiteStore(path)"
        )
        raise InvalidInput(msg, "store")
    if not hasattr(store, "key") or not all(
        callable(getattr(store, name, None)) for name in _STORE_METHODS
    ):
        msg = f"store: expected an event store, got {type(store).__name__}"
        raise InvalidInput(msg, "store")


def protocol_argument(protocol: object) -> Protocol | None:
    """``protocol`` as given to a public function: a :class:`Protocol` or ``None``.

    Raises:
        InvalidInput: It is something else.
    """
    if protocol is None or isinstance(protocol, Protocol):
        return protocol
    msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
    raise InvalidInput(msg, "protocol")


def resolve_protocol(
    opened: Event, protocol: Protocol | None, known: Mapping[str, Protocol] | None = None
) -> Protocol:
    """The protocol a conversation opened by ``opened`` was recorded under.

    Args:
        opened: The conversation's first event.
        protocol: The protocol the caller gives, or ``None`` to look it up.
        known: The protocols to look it up among, by fingerprint; the built-in ones when
            not given.

    Returns:
        The protocol with the recorded fingerprint, or one that supersedes it (lists it in
        :attr:`~threetalk.Protocol.supersedes`): a later version that can continue it.

    Raises:
        ProtocolMismatch: ``protocol`` has another fingerprint than the recorded one and
            does not supersede it, or none was given and no known protocol has or
            supersedes it; the message names both.
    """
    recorded = opened.data.get("fingerprint")
    if protocol is None:
        found = (known_protocols() if known is None else known).get(str(recorded))
        if found is not None:
            return found
    elif recorded == protocol.fingerprint or recorded in protocol.supersedes:
        return protocol
    name = opened.data.get("protocol")
    raise ProtocolMismatch(
        opened.conversation_id,
        recorded=recorded if isinstance(recorded, str) else None,
        recorded_name=name if isinstance(name, str) else None,
        given=None if protocol is None else protocol.fingerprint,
        given_name=None if protocol is None else protocol.name,
    )


def protocols_argument(protocols: Iterable[Protocol]) -> Mapping[str, Protocol] | None:
    """The protocols to look a recording's fingerprint up among; ``None``: the built-ins.

    Raises:
        InvalidInput: ``protocols`` is not an iterable of :class:`Protocol` objects.
    """
    if isinstance(protocols, tuple) and not protocols:
        return None
    return known_protocols(protocols)


def replay(
    events: Iterable[Event],
    protocol: Protocol | None = None,
    *,
    clock: Clock | None = None,
    key: bytes | None = None,
    protocols: Iterable[Protocol] = (),
) -> Conversation:
    """Rebuild a conversation from its events alone.

    The chain is verified first; then every event is applied exactly as when it was
    recorded, so ``replay(conv.events).snapshot() == conv.snapshot()``. The rebuilt
    conversation can take further commands.

    Args:
        events: A conversation's whole log, oldest first.
        protocol: The protocol it was recorded under; when not given, the protocol
            whose fingerprint the opening event names is looked up among the built-in
            ones and ``protocols``.
        clock: The clock of the rebuilt conversation, as for :class:`Conversation`.
        key: The key of a keyed chain.
        protocols: Protocols of the app's own to look the fingerprint up among besides
            the built-in ones (these win where fingerprints agree); not used when
            ``protocol`` is given.

    Returns:
        The conversation, in the state its last event left it in.

    Raises:
        TamperedLog: The chain is broken, or an event does not fit the conversation.
        ProtocolMismatch: The events were recorded under another protocol (an
            ``InvalidInput``, naming both fingerprints), or none was given and no
            built-in protocol nor one of ``protocols`` has the recorded fingerprint
            (named in the message).
        InvalidInput: The events are not events, ``protocols`` holds something that is
            not a :class:`Protocol`, or the key or clock is malformed.
    """
    protocol = protocol_argument(protocol)
    known = protocols_argument(protocols)
    key = check_key(key)
    log = as_event_list(events)
    verify(log, key=key)
    return rebuild(resolve_protocol(log[0], protocol, known), log, clock=clock, key=key)


def open_conversation(
    store: EventStore,
    conversation_id: str,
    protocol: Protocol | None = None,
    *,
    clock: Clock | None = None,
    protocols: Iterable[Protocol] = (),
) -> Conversation:
    """Load a stored conversation, verify its chain, replay it and attach it to ``store``.

    The conversation returned writes its further events to ``store``, like one created
    with ``Conversation(store=store)``.

    Args:
        store: Where the conversation is stored.
        conversation_id: Its id.
        protocol: The protocol it was recorded under; when not given, the protocol
            whose fingerprint its opening event names is looked up among the built-in
            ones and ``protocols``.
        clock: The clock of the reopened conversation, as for :class:`Conversation`.
        protocols: Protocols of the app's own to look the fingerprint up among besides
            the built-in ones (these win where fingerprints agree); not used when
            ``protocol`` is given.

    Returns:
        The conversation, in the state its last stored event left it in.

    Raises:
        UnknownConversation: Nothing is stored under ``conversation_id``.
        ProtocolMismatch: It was recorded under another protocol (naming both
            fingerprints), or none was given and no built-in protocol nor one of
            ``protocols`` has the recorded fingerprint (named in the message); a
            :class:`StoreError`.
        TamperedLog: Its chain does not verify (``.seq`` says where it breaks).
        StoreError: The store cannot be read.
        InvalidInput: ``store`` is not an event store (a path, say), or an argument is
            malformed.
    """
    if isinstance(store, str) or not callable(getattr(store, "load", None)):
        hint = f"; open it first: SQLiteStore({store!r:.80})" if isinstance(store, str) else ""
        msg = f"store: expected an event store, got {type(store).__name__}{hint}"
        raise InvalidInput(msg, "store")
    if not isinstance(conversation_id, str):
        msg = f"conversation_id: expected a string, got {type(conversation_id).__name__}"
        raise InvalidInput(msg, "conversation_id")
    protocol = protocol_argument(protocol)
    known = protocols_argument(protocols)
    events = store.load(conversation_id)
    if not events:
        raise UnknownConversation(conversation_id)
    key = store.key
    verify(events, key=key)
    found = resolve_protocol(events[0], protocol, known)
    return rebuild(found, events, clock=clock, key=key, store=store)


def verify_store(store: EventStore, protocols: Iterable[Protocol] = ()) -> VerifyReport:
    """A store's own ``verify``, plus a replay of every conversation whose protocol is known.

    The store checks what a recorder can (its file, every chain's links, hashes and
    envelope invariants); the replay also finds a correctly sealed event that does not fit
    its conversation (a phase it could not have been in, a step its protocol lacks). This
    is what ``threetalk verify`` runs.

    Args:
        store: The store to check.
        protocols: Protocols besides the built-in ones that conversations may have been
            recorded under; conversations under unknown protocols are checked as chains.

    Returns:
        The store's report, with a finding for each conversation that does not replay
        (and its head removed from the intact ones).

    Raises:
        InvalidInput: ``protocols`` holds something that is not a :class:`Protocol`.
        StoreError: The store is closed.
    """
    check_store(store)
    known = known_protocols(protocols)
    report = store.verify()
    heads = dict(report.heads)
    findings = [
        item
        if isinstance(item, Finding)
        else Finding(
            item.message,
            item.conversation_id,
            item.seq,
            "warning" if item.severity == "warning" else "error",
        )
        for item in report.findings
    ]
    for conversation_id in tuple(heads):
        try:
            events = store.load(conversation_id)
            protocol = known.get(str(events[0].data.get("fingerprint"))) if events else None
            if protocol is not None:
                check_fits(events, protocol, store.key)
        except TamperedLog as error:
            del heads[conversation_id]
            findings.append(Finding(str(error), conversation_id, error.seq))
        except ThreetalkError as error:
            # Diagnosis never crashes: what cannot be read back (a row the store could not
            # read, an id no conversation can have) is a finding too.
            del heads[conversation_id]
            findings.append(Finding(f"It cannot be read back: {error}", conversation_id))
    return VerifyReport(heads, tuple(findings))


def check_fits(events: Sequence[Event], protocol: Protocol, key: bytes | None) -> None:
    """Replay verified ``events`` under ``protocol`` only to see that every event fits.

    Raises:
        TamperedLog: An event does not fit (``.seq`` says which).
    """
    rebuild(protocol, events, clock=None, key=key)


def retrying(
    store: EventStore,
    conversation_id: str,
    command: Callable[[Conversation], T],
    *,
    attempts: int = 5,
    protocol: Protocol | None = None,
    clock: Clock | None = None,
    protocols: Iterable[Protocol] = (),
) -> T:
    """Give ``command`` to a freshly opened conversation, again after each conflict.

    Each attempt opens the conversation from ``store`` (:func:`open_conversation`) and
    calls ``command(conversation)``. When another writer appended to the conversation
    first (a :class:`ConflictError` for this conversation), nothing of that attempt was
    stored, so the conversation is opened again, now with the other writer's events, and
    ``command`` decides again against that state. Any other exception, a refusal
    included, ends the attempts at once.

    Retrying is safe when ``command`` acts only through the conversation it is given:
    it must not change anything outside the conversation (send a message, charge a
    card, write another table) before its command succeeded, and should decide from the
    conversation it gets, not from values read before (a participant or option of an
    earlier copy belongs to that copy: look it up again by id).

    Example::

        def add_topic(conv: Conversation) -> None:
            conv.add_topic("Sleep", by=conv.participant("p1"))

        retrying(store, "anna-2026-11", add_topic)

    Args:
        store: The store holding the conversation (any :class:`EventStore`).
        conversation_id: The conversation's id.
        command: Called with the opened conversation; what it returns is returned.
        attempts: How many times at most ``command`` is called (at least 1).
        protocol: As for :func:`open_conversation`.
        clock: As for :func:`open_conversation`.
        protocols: As for :func:`open_conversation`: protocols of the app's own to
            recognise the conversation's recorded fingerprint among, besides the
            built-in ones; read once, before the first attempt.

    Returns:
        What ``command`` returned on the attempt that succeeded.

    Raises:
        ConflictError: The last attempt met a conflict too (raised as it was).
        InvalidInput: ``attempts`` is not a whole number of at least 1, ``command`` is
            not callable, ``protocols`` is not an iterable of :class:`Protocol` objects,
            or another argument is malformed; ``command`` is then never called.
        UnknownConversation: Nothing is stored under ``conversation_id``.
        ProtocolMismatch: It was recorded under another protocol than ``protocol``, or
            none was given and neither a built-in protocol nor one of ``protocols`` has
            its recorded fingerprint (a :class:`StoreError`).
        TamperedLog: Its chain does not verify.
        StoreError: The store cannot be read or written.
    """
    check_store(store)
    if not isinstance(conversation_id, str):
        msg = f"conversation_id: expected a string, got {type(conversation_id).__name__}"
        raise InvalidInput(msg, "conversation_id")
    if not callable(command):
        msg = f"command: expected a callable taking the conversation, got {type(command).__name__}"
        raise InvalidInput(msg, "command")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        msg = f"attempts: expected a whole number of at least 1, got {attempts!r:.40}"
        raise InvalidInput(msg, "attempts")
    protocol = protocol_argument(protocol)
    own = protocol_list(protocols)
    for attempt in range(1, attempts + 1):
        conversation = open_conversation(
            store, conversation_id, protocol, clock=clock, protocols=own
        )
        try:
            return command(conversation)
        except ConflictError as error:
            if attempt == attempts or error.conversation_id != conversation_id:
                raise
    raise AssertionError  # pragma: no cover - the last attempt returns or raises
