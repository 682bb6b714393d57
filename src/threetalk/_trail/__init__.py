"""The audit trail: the one home of events, their canonical encoding, sealing and chains.

Everything that writes or reads events goes through this layer and nothing else encodes,
seals or links them: a conversation seals its events with a :class:`Sealer`; stores check
what they append with :func:`store_rows` and what they hold with :class:`Links` over their
stored canonical text; JSONL import checks lines with :class:`Links`; ``verify`` and
``replay`` use :func:`verify`. The layer knows events and chains, not conversations: it
imports only the vocabulary (:mod:`threetalk._phases`) and the exceptions.

Modules:
    canonical: the bytes a hash covers (times, data, the envelope) and bounded decoding.
    event: :class:`Event`, its read-only data and :class:`Head`.
    chain: keys, sealing, :class:`Links` (the checks of one chain or many), ``verify``.
"""

from __future__ import annotations

from threetalk._trail.canonical import (
    MAX_DEPTH,
    TooDeep,
    canonical_bytes,
    decode,
    encode_data,
    encode_object,
    envelope_bytes,
    format_time,
    quote,
    quoted_envelope,
)
from threetalk._trail.chain import (
    MIN_KEY_BYTES,
    SYSTEM_KINDS,
    Links,
    Row,
    Sealer,
    Spec,
    as_event_list,
    broken,
    check_key,
    event_hash,
    seal,
    store_rows,
    verify,
)
from threetalk._trail.event import GENESIS, CannedData, Event, FrozenData, Head, freeze, thaw

__all__ = [
    "GENESIS",
    "MAX_DEPTH",
    "MIN_KEY_BYTES",
    "SYSTEM_KINDS",
    "CannedData",
    "Event",
    "FrozenData",
    "Head",
    "Links",
    "Row",
    "Sealer",
    "Spec",
    "TooDeep",
    "as_event_list",
    "broken",
    "canonical_bytes",
    "check_key",
    "decode",
    "encode_data",
    "encode_object",
    "envelope_bytes",
    "event_hash",
    "format_time",
    "freeze",
    "quote",
    "quoted_envelope",
    "seal",
    "store_rows",
    "thaw",
    "verify",
]
