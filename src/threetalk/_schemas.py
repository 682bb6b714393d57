"""The JSON Schemas (draft 2020-12) that ship in ``threetalk/schemas/``.

``event.schema.json`` describes one line of a JSONL trail
(:func:`threetalk.store.event_schema`); ``snapshot.schema.json`` and
``refusal.schema.json`` describe what :meth:`threetalk.Snapshot.to_dict` and
:meth:`threetalk.Refused.to_dict` give, for web apps that check or document the JSON they
send.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("threetalk").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def snapshot_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`Snapshot.to_dict <threetalk.Snapshot.to_dict>`.

    >>> snapshot_schema()["title"]
    'threetalk snapshot'

    Returns:
        A new dict each call (change it freely), read from ``snapshot.schema.json``.
    """
    return _schema("snapshot")


def refusal_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`Refused.to_dict <threetalk.Refused.to_dict>`.

    >>> refusal_schema()["required"]
    ['summary', 'seq', 'codes', 'reasons']

    Returns:
        A new dict each call (change it freely), read from ``refusal.schema.json``.
    """
    return _schema("refusal")
