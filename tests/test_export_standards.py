"""Exports checked against the standards' own schemas, not only read back by one tool.

OCEL 2.0 JSON is validated with ``jsonschema`` against the schema published with the
standard, XES with ``lxml`` against the IEEE 1849-2016 XSD (both copied into
``tests/data/``, see its README). pm4py (AGPL) is an oracle only, never imported by
threetalk.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import threetalk as tt
from threetalk.simulation import (
    Policy,
    SimulationResult,
    simulate,
    summarise,
)
from threetalk.testing import StepClock

jsonschema = pytest.importorskip("jsonschema")
etree = pytest.importorskip("lxml.etree")

DATA = Path(__file__).parent / "data"
OCEL_SCHEMA = DATA / "ocel-2.0.schema.json"
XES_SCHEMA = DATA / "xes-ieee-1849-2016.xsd"

#: The SHA-256 of the copied schemas; tests/data/README.md gives the same figures.
CHECKSUMS = {
    OCEL_SCHEMA.name: "2bb5650ccb7b58aace6c5e2baee1db0d09d11e7131c749f91a9062eb81baed73",
    XES_SCHEMA.name: "446bdb95f019fbfa492a5af9d1f08791f35550758b0b094c27647ce965bf83f5",
}

XES_NAMESPACE = "http://www.xes-standard.org/"

pm4py_marks = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

#: Runs of several policies under both built-in protocols.
RUNS = [
    ("ideal", "three_talk"),
    ("hasty", "three_talk"),
    ("conflicted", "work_and_income"),
    ("exploratory", "three_talk"),
    ("random", "work_and_income"),
]

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


# ------------------------------------------------------------------------------ helpers


def _date_time(value: object) -> bool:
    """RFC 3339 ``date-time``, as the OCEL schema's ``"format": "date-time"`` asks."""
    if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def ocel_errors(document: Any) -> list[str]:
    """What the OCEL 2.0 JSON schema finds wrong in ``document`` (formats checked too)."""
    schema = json.loads(OCEL_SCHEMA.read_text(encoding="utf-8"))
    # jsonschema checks "format" only with a format checker, and "date-time" only with an
    # optional package; this checker knows that one format, by RFC 3339.
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(_date_time)
    validator = jsonschema.Draft7Validator(schema, format_checker=checker)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def xes_errors(path: Path) -> list[str]:
    """What the IEEE 1849-2016 XSD finds wrong in the XES file at ``path``."""
    schema = etree.XMLSchema(etree.parse(str(XES_SCHEMA)))
    root = etree.parse(str(path)).getroot()
    # The XSD has no target namespace, while an XES file puts its elements in
    # http://www.xes-standard.org/ (as OpenXES and pm4py write it): validate a copy with
    # the namespace removed, so that the XSD's unqualified names match.
    bare = copy.deepcopy(root)
    for element in bare.iter():
        element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(bare)
    if schema.validate(bare):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]


def xes_root(path: Path) -> Any:
    """The XES file's root element."""
    return etree.parse(str(path)).getroot()


def q(name: str) -> str:
    """An XES element name in the XES namespace."""
    return f"{{{XES_NAMESPACE}}}{name}"


def attributes(element: Any) -> dict[str, tuple[str, str]]:
    """An XES element's own attributes: key -> (XES type, value text)."""
    return {
        child.get("key"): (etree.QName(child).localname, child.get("value"))
        for child in element
        if etree.QName(child).localname not in {"trace", "event", "extension", "global"}
        and child.get("key") is not None
    }


def protocol(name: str) -> tt.Protocol:
    """A built-in protocol by name."""
    return tt.work_and_income() if name == "work_and_income" else tt.three_talk()


def handmade() -> SimulationResult:
    """A result around one recorded conversation with non-ASCII text and microseconds."""
    clock = StepClock(
        datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
        timedelta(seconds=41, microseconds=654321),
    )
    c = tt.Conversation(conversation_id="gesprek-ü-1", clock=clock)
    zoe = c.join("Zoë Çelik", tt.Role.CLIENT)
    pro = c.join("Jürgen Ørsted", tt.Role.PROFESSIONAL)
    c.add_topic("Werk & zorg — crèche", by=zoe)
    c.add_goal("Drie dagen werken, zonder stress 😊", by=zoe)
    c.move_to(tt.Phase.TEAM_TALK, by=pro)
    c.state_problem('Te weinig opvang <voor> "kinderen"', by=zoe)
    c.move_to(tt.Phase.OPTION_TALK, by=pro)
    c.propose_option("Crèche drie dagen", by=zoe)
    c.propose_option("Oma één dag", by=pro)
    c.close("Tot ziens", by=pro)
    events = c.events
    return SimulationResult(1, 7, Policy.ideal(), tt.three_talk(), (summarise(events),), (events,))


@pytest.fixture(scope="module")
def pm4py() -> Any:
    """pm4py, when installed (a development dependency only)."""
    return pytest.importorskip("pm4py")


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], SimulationResult]:
    """A small run of each policy and protocol of :data:`RUNS`, all with seed 7."""
    return {
        (policy, name): simulate(12, seed=7, policy=policy, protocol=protocol(name))
        for policy, name in RUNS
    }


@pytest.fixture(scope="module")
def pair() -> tuple[SimulationResult, SimulationResult]:
    """Two policies' runs with the same seed: their conversations share their ids."""
    return simulate(10, seed=7, policy="ideal"), simulate(10, seed=7, policy="conflicted")


# -------------------------------------------------------------------------------- tests


class TestSchemaFiles:
    def test_the_copies_are_unchanged(self) -> None:
        """The schemas' SHA-256 are the pinned ones, which the README states as well."""
        readme = (DATA / "README.md").read_text(encoding="utf-8")

        found = {name: hashlib.sha256((DATA / name).read_bytes()).hexdigest() for name in CHECKSUMS}

        assert found == CHECKSUMS
        for name, digest in CHECKSUMS.items():
            assert name in readme
            assert digest in readme

    def test_the_ocel_schema_finds_errors(self) -> None:
        """The OCEL check can fail: a numeric attribute value and a time without zone."""
        document = {
            "objectTypes": [],
            "eventTypes": [],
            "objects": [],
            "events": [
                {
                    "id": "e1",
                    "type": "opened",
                    "time": "2026-01-05T09:00:00",
                    "attributes": [{"name": "seq", "value": 1}],
                    "relationships": [],
                }
            ],
        }

        errors = ocel_errors(document)

        assert len(errors) == 2
        assert any("is not of type 'string'" in error for error in errors)
        assert any("date-time" in error for error in errors)

    def test_the_xes_schema_finds_errors(self, tmp_path: Path) -> None:
        """The XES check can fail: pm4py's xes.version and an int that is no number."""
        path = tmp_path / "bad.xes"
        path.write_text(
            '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">'
            '<trace><int key="n" value="many"/></trace></log>',
            encoding="utf-8",
        )

        errors = xes_errors(path)

        assert len(errors) == 2
        assert any("xes.version" in error for error in errors)
