"""Events, hashes and stored files stay byte-identical across refactorings.

The digests below were recorded with the code before the audit trail got one home (issue
"One home for the audit trail"); a change that alters any event's bytes, hash, JSONL line
or stored row fails here. A change of the event format on purpose updates them in the same
commit and says why.

Updated on purpose by the guides issue: ``three_talk()`` gained steps, which changed its
fingerprint, and the opening event records the fingerprint; refusal reasons and
advisories record ``params`` (what their message is built from, so that it can be read
in Dutch as well as English). Every other byte is as before; ``tests/test_before_guides.py``
shows that conversations recorded under the old fingerprint still open.

Updated on purpose again by the acts of the guides (same issue): the built-ins place the
new acts, which changed the fingerprint in the opening event, and ``option-proposed`` now
records the option's ``source``. ``tests/test_before_guides.py`` opens a store written
just before (``tests/data/before-acts.jsonl``).
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

import threetalk as tt
from threetalk.store import SQLiteStore, export_jsonl

if TYPE_CHECKING:
    from pathlib import Path

    from threetalk._conversation import EventSink

KEY = b"pinned key of thirty-two bytes!!"

#: sha256 of the event hashes, one per line, of :func:`script` without and with KEY.
PLAIN = "ca991e4031d66fc06794cd988cecc1545ff8cfa9488d2e51c1becccdfd468f78"
KEYED = "461ba7d6536a02939ad605792f5c209834e6310dbb34c76e9b0fcaaec11aebc9"
#: sha256 of the JSONL export and of the stored rows of the keyed script in a SQLite store.
JSONL = "ce084c91ab18dd0558a28db5d84e2e527a0faea73e5314d8e473ad7cfcf19809"
ROWS = "ab762ec44e34dcc33d74267c912e3898db66d57544bb3235166bc6227432a11b"


def script(store: EventSink | None = None) -> tt.Conversation:
    """A fixed conversation touching escapes, non-ASCII text, a refusal and advisories."""
    ticks = iter(
        datetime(2026, 11, 23, 9, tzinfo=UTC) + timedelta(seconds=37 * n, microseconds=n)
        for n in range(999)
    )
    conv = tt.Conversation(conversation_id="pinned-é", clock=lambda: next(ticks), store=store)
    client = conv.join("Client Ü", tt.Role.CLIENT)
    partner = conv.join("Partner", tt.Role.RELATIVE)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem('Progress "stalled"\n twice', by=pro)
    conv.add_goal("Walk to the shop \N{PEDESTRIAN}", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    days = conv.propose_option("Four days", by=client)
    clinic = conv.propose_option("Clinic", by=pro)
    conv.add_consideration(days, tt.Stance.PRO, "Sleeps at home", by=partner)
    with pytest.raises(tt.Refused):
        conv.move_to(tt.Phase.DECISION_TALK, by=pro)
    conv.add_consideration(clinic, tt.Stance.CON, "Away", by=client)
    conv.move_to(tt.Phase.DECISION_TALK, by=pro)
    conv.state_preference(days, by=client)
    conv.state_preference(None, by=partner)
    conv.propose_decision(
        days,
        who="Both",
        what="Four days",
        when=date(2026, 12, 1),
        review_on=date(2027, 1, 12),
        by=pro,
    )
    conv.consent(by=client)
    return conv


def digest(text: str | bytes) -> str:
    """The SHA-256 of ``text`` (UTF-8 when a string)."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def test_the_hashes_of_a_plain_chain_are_as_recorded() -> None:
    """The script's 21 events hash exactly as before."""
    events = script().events

    assert len(events) == 21
    assert digest("\n".join(event.hash for event in events)) == PLAIN


def test_stored_rows_and_exported_lines_are_as_recorded(tmp_path: Path) -> None:
    """A keyed store holds the same rows and exports the same bytes as before."""
    with SQLiteStore(tmp_path / "pinned.db", key=KEY) as store:
        events = script(store=store).events
        out = io.StringIO()
        export_jsonl(store, out)
    db = sqlite3.connect(tmp_path / "pinned.db")
    try:
        rows = db.execute("SELECT * FROM events ORDER BY conversation_id, seq").fetchall()
    finally:
        db.close()

    assert digest("\n".join(event.hash for event in events)) == KEYED
    assert digest(out.getvalue()) == JSONL
    assert digest(repr(rows)) == ROWS
