"""Exports checked against the standards' own schemas, not only read back by one tool.

OCEL 2.0 JSON is validated with ``jsonschema`` against the schema published with the
standard, XES with ``lxml`` against the IEEE 1849-2016 XSD (both copied into
``tests/data/``, see its README). pm4py (AGPL) is an oracle only, never imported by
threetalk.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import pytest

import threetalk as tt
from threetalk.simulation import (
    Policy,
    SimulationResult,
    conversation_id,
    simulate,
    simulate_one,
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

#: Runs of several policies under the built-in protocols, every one among them.
RUNS = [
    ("ideal", "three_talk"),
    ("hasty", "three_talk"),
    ("conflicted", "work_and_income"),
    ("exploratory", "three_talk"),
    ("random", "work_and_income"),
    ("ideal", "youth_care"),
    ("hasty", "client_guide"),
    ("exploratory", "rehabilitation"),
    ("conflicted", "six_step"),
]

#: The event kinds of the acts of the practice guides.
ACT_KINDS = {
    "role-preference-stated",
    "question-asked",
    "question-answered",
    "analysis-added",
    "understanding-checked",
    "information-shared",
    "option-declined",
    "obligation-waived",
    "conflict-checked",
}

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


def csv_cases(path: Path) -> set[str]:
    """The case ids of a CSV export."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["case:concept:name"] for row in csv.DictReader(handle)}


def protocol(name: str) -> tt.Protocol:
    """A built-in protocol by name."""
    return tt.builtin_protocols()[name]


@pytest.fixture(scope="module")
def acts() -> SimulationResult:
    """A run in which every act of the guides occurs (obligations: work_and_income)."""
    policy = attrs.evolve(Policy.conflicted(), waive=0.5)
    result = simulate(20, seed=3, policy=policy, protocol=tt.work_and_income())
    assert {event.kind for event in result.events()} >= ACT_KINDS
    return result


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


class TestOcel:
    @pytest.mark.parametrize(("policy", "name"), RUNS)
    def test_every_run_validates(
        self, runs: dict[tuple[str, str], SimulationResult], policy: str, name: str, tmp_path: Path
    ) -> None:
        """Each policy's and protocol's OCEL output passes the OCEL 2.0 JSON schema."""
        path = tmp_path / "runs.jsonocel"
        runs[policy, name].to_ocel(path)

        errors = ocel_errors(json.loads(path.read_text(encoding="utf-8")))

        assert errors[:5] == []

    def test_a_streamed_run_validates(self, tmp_path: Path) -> None:
        """A file streamed while a run goes (no events kept) passes the schema too."""
        path = tmp_path / "runs.json"

        simulate(15, seed=2, policy="exploratory", keep_events=False, out=path, chunk_size=4)

        assert ocel_errors(json.loads(path.read_text(encoding="utf-8")))[:5] == []

    def test_non_ascii_text_validates_and_stays_as_it_is(self, tmp_path: Path) -> None:
        """Names and texts outside ASCII pass the schema and are written as they are."""
        path = tmp_path / "handmade.jsonocel"
        handmade().to_ocel(path)
        text = path.read_text(encoding="utf-8")

        document = json.loads(text)

        assert ocel_errors(document) == []
        assert "Zoë Çelik" in text
        assert "😊" in text
        names = {
            attribute["value"]
            for item in document["objects"]
            for attribute in item["attributes"]
            if attribute["name"] in {"name", "text"}
        }
        assert names == {"Zoë Çelik", "Jürgen Ørsted", "Crèche drie dagen", "Oma één dag"}

    def test_the_seq_of_an_event_is_text_of_an_integer(self, tmp_path: Path) -> None:
        """An event's ``seq`` is the string of its number, its type declared ``integer``."""
        result = simulate(3, seed=1)
        path = tmp_path / "runs.jsonocel"
        result.to_ocel(path)

        document = json.loads(path.read_text(encoding="utf-8"))

        event = document["events"][2]
        assert {"name": "seq", "value": "3"} in event["attributes"]
        declared = {item["name"]: item["attributes"] for item in document["eventTypes"]}
        assert {"name": "seq", "type": "integer"} in declared[event["type"]]

    def test_the_conversation_object_has_typed_text_values(self, tmp_path: Path) -> None:
        """The conversation's seed (integer) and whether it decided (boolean) are text too."""
        result = simulate(3, seed=1, policy="ideal")
        path = tmp_path / "runs.jsonocel"
        result.to_ocel(path)

        document = json.loads(path.read_text(encoding="utf-8"))

        first = next(item for item in document["objects"] if item["type"] == "conversation")
        values = {attribute["name"]: attribute["value"] for attribute in first["attributes"]}
        summary = result.summaries[0]
        assert values["seed"] == "1"
        assert values["decided"] == ("true" if summary.outcome.value != "no decision" else "false")
        assert values["outcome"] == summary.outcome.value
        assert values["policy"] == "ideal"
        assert values["conversation"] == "sim-1-0"
        declared = {item["name"]: item["attributes"] for item in document["objectTypes"]}
        assert {"name": "seed", "type": "integer"} in declared["conversation"]
        assert {"name": "decided", "type": "boolean"} in declared["conversation"]

    def test_object_times_keep_their_microseconds(self, tmp_path: Path) -> None:
        """The conversation object's time is its opening time to the microsecond."""
        result = handmade()
        path = tmp_path / "handmade.jsonocel"
        result.to_ocel(path)
        opened = next(result.events()).at

        document = json.loads(path.read_text(encoding="utf-8"))

        conversation = next(i for i in document["objects"] if i["type"] == "conversation")
        times = {attribute["time"] for attribute in conversation["attributes"]}
        assert times == {document["events"][0]["time"]}
        assert datetime.fromisoformat(times.pop()) == opened
        assert opened.microsecond == 777777

    def test_whole_seconds_are_written_like_event_times(self, tmp_path: Path) -> None:
        """A simulated opening on a whole second is written as the events' times are."""
        result = simulate(2, seed=3)
        path = tmp_path / "runs.jsonocel"
        result.to_ocel(path)

        document = json.loads(path.read_text(encoding="utf-8"))

        opened = document["events"][0]["time"]
        conversation = next(i for i in document["objects"] if i["type"] == "conversation")
        assert opened.endswith(".000000+00:00")
        assert {attribute["time"] for attribute in conversation["attributes"]} == {opened}

    @pytest.mark.usefixtures("pm4py")
    @pytest.mark.filterwarnings("ignore::UserWarning")
    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    @pytest.mark.filterwarnings("ignore::FutureWarning")
    def test_pm4py_reads_the_typed_values_back(self, pm4py: Any, tmp_path: Path) -> None:
        """pm4py turns the text values back into numbers and booleans by their types."""
        result = simulate(4, seed=5, policy="hasty")
        path = tmp_path / "runs.jsonocel"
        result.to_ocel(path)

        ocel = pm4py.read_ocel2_json(str(path))

        assert sorted(ocel.events["seq"])[:4] == [1, 1, 1, 1]
        conversations = ocel.objects[ocel.objects["ocel:type"] == "conversation"]
        assert set(conversations["seed"]) == {5}
        assert set(conversations["decided"]) <= {True, False}

    def test_the_acts_of_the_guides_are_events_and_questions_objects(
        self, acts: SimulationResult, tmp_path: Path
    ) -> None:
        """Every act of the guides is an event type with its events; a question is an
        object its asking and answering relate to, and teach-back relates to whom it
        checked; the file passes the schema."""
        path = tmp_path / "acts.jsonocel"
        acts.to_ocel(path)
        document = json.loads(path.read_text(encoding="utf-8"))

        assert ocel_errors(document)[:5] == []
        assert {kind["name"] for kind in document["eventTypes"]} >= ACT_KINDS
        assert {event["type"] for event in document["events"]} >= ACT_KINDS
        assert "question" in {kind["name"] for kind in document["objectTypes"]}
        objects = {item["id"]: item for item in document["objects"]}
        questions = {oid for oid, item in objects.items() if item["type"] == "question"}
        asked = sum(1 for event in acts.events() if event.kind == "question-asked")
        assert len(questions) == asked > 0
        for event in document["events"]:
            related = {r["qualifier"]: r["objectId"] for r in event["relationships"]}
            if event["type"] in ("question-asked", "question-answered"):
                assert related["question"] in questions
            if event["type"] == "understanding-checked":
                assert objects[related["of"]]["type"] == "participant"
            for object_id in related.values():
                assert object_id in objects

    @pytest.mark.usefixtures("pm4py")
    @pytest.mark.filterwarnings("ignore::UserWarning")
    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    @pytest.mark.filterwarnings("ignore::FutureWarning")
    def test_pm4py_reads_the_questions(
        self, pm4py: Any, acts: SimulationResult, tmp_path: Path
    ) -> None:
        """pm4py reads the question objects and the acts' events back."""
        path = tmp_path / "acts.jsonocel"
        acts.to_ocel(path)

        ocel = pm4py.read_ocel2_json(str(path))

        assert "question" in set(ocel.objects["ocel:type"])
        assert set(ocel.events["ocel:activity"]) >= ACT_KINDS


class TestXes:
    def test_the_acts_of_the_guides_are_activities(
        self, acts: SimulationResult, tmp_path: Path
    ) -> None:
        """Every act of the guides is an activity of the XES file, which passes the XSD."""
        path = tmp_path / "acts.xes"
        acts.to_xes(path)

        names = {attributes(event)["concept:name"][1] for event in xes_root(path).iter(q("event"))}

        assert xes_errors(path)[:5] == []
        assert names >= ACT_KINDS

    @pytest.mark.parametrize(("policy", "name"), RUNS)
    def test_every_run_validates(
        self, runs: dict[tuple[str, str], SimulationResult], policy: str, name: str, tmp_path: Path
    ) -> None:
        """Each policy's and protocol's XES output passes the IEEE 1849-2016 XSD."""
        path = tmp_path / "runs.xes"
        runs[policy, name].to_xes(path)

        assert xes_errors(path)[:5] == []

    def test_phases_as_activities_and_streamed_runs_validate(self, tmp_path: Path) -> None:
        """activity='phase' output, streamed while a run goes, passes the XSD too."""
        path = tmp_path / "runs.xes"

        simulate(15, seed=2, policy="conflicted", keep_events=False, out=path, activity="phase")

        assert xes_errors(path)[:5] == []

    def test_non_ascii_text_validates(self, tmp_path: Path) -> None:
        """Text outside ASCII, quotes and angle brackets pass the XSD and come back whole."""
        path = tmp_path / "handmade.xes"
        handmade().to_xes(path)

        root = xes_root(path)

        assert xes_errors(path) == []
        data = [attributes(event)["threetalk:data"][1] for event in root.iter(q("event"))]
        assert json.loads(data[6]) == {"text": 'Te weinig opvang <voor> "kinderen"'}
        assert json.loads(data[4]) == {"text": "Drie dagen werken, zonder stress 😊"}

    def test_the_version_is_a_decimal(self, tmp_path: Path) -> None:
        """``xes.version`` is ``1.0``, as OpenXES writes it (the XSD wants a decimal)."""
        path = tmp_path / "runs.xes"
        simulate(2, seed=1).to_xes(path)

        assert xes_root(path).get("xes.version") == "1.0"

    def test_every_prefix_has_its_extension(self, tmp_path: Path) -> None:
        """Lifecycle and threetalk are declared, and every prefixed key has its extension."""
        path = tmp_path / "runs.xes"
        simulate(3, seed=1, policy="hasty").to_xes(path)
        root = xes_root(path)

        extensions = {e.get("prefix"): e.attrib for e in root.iter(q("extension"))}
        prefixes = {
            element.get("key").partition(":")[0]
            for element in root.iter()
            if ":" in (element.get("key") or "")
        }

        assert extensions["lifecycle"] == {
            "name": "Lifecycle",
            "prefix": "lifecycle",
            "uri": "http://www.xes-standard.org/lifecycle.xesext",
        }
        assert extensions["threetalk"]["name"] == "Threetalk"
        assert extensions["threetalk"]["uri"] == "urn:threetalk:xes:extension:1"
        assert prefixes <= set(extensions)
        assert {"concept", "time", "org", "lifecycle", "threetalk"} <= prefixes

    def test_every_event_completes(self, tmp_path: Path) -> None:
        """Every event has ``lifecycle:transition`` = ``complete`` (threetalk events are atomic)."""
        result = simulate(5, seed=4, policy="exploratory")
        path = tmp_path / "runs.xes"
        result.to_xes(path)

        events = list(xes_root(path).iter(q("event")))

        assert len(events) == sum(1 for _ in result.events())
        assert {attributes(event)["lifecycle:transition"] for event in events} == {
            ("string", "complete")
        }

    def test_traces_carry_outcome_policy_and_seed(self, tmp_path: Path) -> None:
        """Each trace names its case, conversation, policy, protocol, seed and outcome."""
        result = simulate(6, seed=9, policy="conflicted", protocol=tt.work_and_income())
        path = tmp_path / "runs.xes"
        result.to_xes(path)

        traces = [attributes(trace) for trace in xes_root(path).iter(q("trace"))]

        assert len(traces) == 6
        for trace, summary in zip(traces, result.summaries, strict=True):
            assert trace["concept:name"] == ("string", f"conflicted/{summary.conversation_id}")
            assert trace["threetalk:conversation"] == ("string", summary.conversation_id)
            assert trace["threetalk:policy"] == ("string", "conflicted")
            assert trace["threetalk:protocol"] == ("string", "work_and_income")
            assert trace["threetalk:seed"] == ("int", "9")
            assert trace["threetalk:outcome"] == ("string", summary.outcome.value)

    def test_a_boolean_trace_attribute_is_an_xes_boolean(self, tmp_path: Path) -> None:
        """Whether a decision was in force is a ``boolean`` element holding true or false."""
        result = simulate(20, seed=9, policy="conflicted")
        path = tmp_path / "runs.xes"
        result.to_xes(path)

        traces = [attributes(trace) for trace in xes_root(path).iter(q("trace"))]

        decided = [trace["threetalk:decided"] for trace in traces]
        decisions = {"agreed", "imposed", "delegated"}
        expected = [
            ("boolean", "true" if s.outcome.value in decisions else "false")
            for s in result.summaries
        ]
        assert decided == expected
        assert {value for _, value in decided} == {"true", "false"}

    def test_the_extension_definition_lists_every_key(self, tmp_path: Path) -> None:
        """threetalk.xesext defines exactly the threetalk keys an export writes, by type."""
        definition = resources.files("threetalk").joinpath("schemas/threetalk.xesext")
        extension = etree.fromstring(definition.read_bytes())
        defined = {
            (scope.tag, child.tag, child.get("key"))
            for scope in extension
            if isinstance(scope.tag, str)
            for child in scope
            if isinstance(child.tag, str)
        }
        path = tmp_path / "runs.xes"
        simulate(3, seed=1).to_xes(path)
        root = xes_root(path)

        written = {
            (etree.QName(owner).localname, etree.QName(child).localname, key.partition(":")[2])
            for owner in (*root.iter(q("trace")), *root.iter(q("event")))
            for child in owner
            if (key := child.get("key") or "").startswith("threetalk:")
        }

        assert written == defined
        assert (extension.get("name"), extension.get("prefix"), extension.get("uri")) == (
            "Threetalk",
            "threetalk",
            "urn:threetalk:xes:extension:1",
        )

    def test_characters_xml_cannot_hold_are_escaped(self, tmp_path: Path) -> None:
        """U+FFFE and U+FFFF in a name or text stay valid XML, and the data reads back."""
        c = tt.Conversation(conversation_id="odd", clock=StepClock())
        client = c.join("Noor\uffff", tt.Role.CLIENT)
        c.add_topic("eind\ufffe", by=client)
        events = c.events
        result = SimulationResult(
            1, 1, Policy.ideal(), tt.three_talk(), (summarise(events),), (events,)
        )
        path = tmp_path / "odd.xes"

        result.to_xes(path)

        assert xes_errors(path) == []
        data = [attributes(e)["threetalk:data"][1] for e in xes_root(path).iter(q("event"))]
        assert json.loads(data[1])["name"] == "Noor\uffff"
        assert json.loads(data[2]) == {"text": "eind\ufffe"}

    def test_a_seed_beyond_64_bits_stays_valid(self, tmp_path: Path) -> None:
        """A seed that xs:long cannot hold is written as a string, not an invalid int."""
        path = tmp_path / "runs.xes"

        simulate(2, seed=2**70, out=path, keep_events=False)

        assert xes_errors(path) == []
        seeds = {attributes(t)["threetalk:seed"] for t in xes_root(path).iter(q("trace"))}
        assert seeds == {("string", str(2**70))}


class TestCaseIds:
    def test_conversation_ids_stay_as_they_are(
        self, pair: tuple[SimulationResult, SimulationResult]
    ) -> None:
        """The conversations keep their ids; only the exports' case ids carry the policy."""
        ideal, conflicted = pair

        assert conversation_id(7, 0) == "sim-7-0"
        assert ideal.summaries[0].conversation_id == conflicted.summaries[0].conversation_id
        assert next(conflicted.events()).conversation_id == "sim-7-0"
        assert simulate_one(0, seed=7, policy=Policy.ideal()).id == "sim-7-0"

    def test_csv_of_two_policies_keeps_both(
        self, pair: tuple[SimulationResult, SimulationResult], tmp_path: Path
    ) -> None:
        """Combined CSV files of two policies with one seed hold both sets of cases."""
        cases: list[set[str]] = []
        for number, result in enumerate(pair):
            path = tmp_path / f"runs-{number}.csv"
            result.to_csv(path)
            cases.append(csv_cases(path))

        assert len(cases[0]) == len(cases[1]) == 10
        assert cases[0].isdisjoint(cases[1])
        assert "ideal/sim-7-0" in cases[0]
        assert "conflicted/sim-7-0" in cases[1]

    def test_ocel_of_two_policies_keeps_both(
        self, pair: tuple[SimulationResult, SimulationResult], tmp_path: Path
    ) -> None:
        """Two OCEL files combined name every object and event once, and still validate."""
        documents = []
        for number, result in enumerate(pair):
            path = tmp_path / f"runs-{number}.jsonocel"
            result.to_ocel(path)
            documents.append(json.loads(path.read_text(encoding="utf-8")))

        combined = {
            **documents[0],
            "objects": documents[0]["objects"] + documents[1]["objects"],
            "events": documents[0]["events"] + documents[1]["events"],
        }

        objects = Counter(item["id"] for item in combined["objects"])
        events = Counter(item["id"] for item in combined["events"])
        assert max(objects.values()) == max(events.values()) == 1
        assert sum(item["type"] == "conversation" for item in combined["objects"]) == 20
        assert ocel_errors(combined) == []

    def test_two_custom_policies_differ_too(self, tmp_path: Path) -> None:
        """Two Policy values that are no preset get different case ids as well."""
        careful = attrs.evolve(Policy.ideal(), object=0.3)
        paths = [tmp_path / "a.csv", tmp_path / "b.csv"]

        for policy, path in zip((Policy.ideal(), careful), paths, strict=True):
            simulate(3, seed=7, policy=policy, out=path, keep_events=False)
        cases = [csv_cases(path) for path in paths]

        assert cases[0].isdisjoint(cases[1])
        assert all(case.endswith("/sim-7-0") for case in (min(cases[0]), min(cases[1])))

    @pytest.mark.usefixtures("pm4py")
    @pytest.mark.filterwarnings("ignore::UserWarning")
    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    @pytest.mark.filterwarnings("ignore::FutureWarning")
    def test_xes_and_pandas_of_two_policies_keep_both(
        self, pair: tuple[SimulationResult, SimulationResult], pm4py: Any, tmp_path: Path
    ) -> None:
        """XES logs and pandas tables of two policies, combined, keep 20 cases apart."""
        import pandas as pd

        frames = []
        for number, result in enumerate(pair):
            path = tmp_path / f"runs-{number}.xes"
            result.to_xes(path)
            frames.append(pm4py.read_xes(str(path)))
        xes = pd.concat(frames)
        tables = pd.concat([result.to_pandas() for result in pair])

        assert xes["case:concept:name"].nunique() == 20
        assert tables["case:concept:name"].nunique() == 20
        assert set(xes["case:threetalk:policy"]) == {"ideal", "conflicted"}
        assert set(tables["case:policy"]) == {"ideal", "conflicted"}


class TestPandas:
    @pytest.mark.usefixtures("pm4py")
    @pytest.mark.filterwarnings("ignore::UserWarning")
    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    @pytest.mark.filterwarnings("ignore::FutureWarning")
    def test_pm4py_takes_the_table_as_it_is(self, pm4py: Any, tmp_path: Path) -> None:
        """``pm4py.discover_dfg(result.to_pandas())`` works, and agrees with the XES log."""
        result = simulate(30, seed=11, policy="exploratory")
        path = tmp_path / "runs.xes"
        result.to_xes(path, activity="phase")

        from_table = pm4py.discover_dfg(result.to_pandas(activity="phase"))
        from_xes = pm4py.discover_dfg(pm4py.read_xes(str(path)))

        assert from_table == from_xes
        assert ("decision_talk", "option_talk") in from_table[0]

    def test_columns(self) -> None:
        """pm4py's four standard columns, the event's own fields, then the case's."""
        pytest.importorskip("pandas")
        result = simulate(3, seed=1, policy="hasty")

        frame = result.to_pandas()

        assert list(frame.columns) == [
            "case:concept:name",
            "concept:name",
            "time:timestamp",
            "org:resource",
            "seq",
            "actor",
            "phase",
            "kind",
            "data",
            "case:conversation",
            "case:policy",
            "case:protocol",
            "case:seed",
            "case:outcome",
            "case:decided",
        ]
        first = frame.iloc[0]
        assert first["case:concept:name"] == "hasty/sim-1-0"
        assert first["case:conversation"] == "sim-1-0"
        assert first["concept:name"] == "opened"
        assert first["org:resource"] == "system"
        assert first["case:seed"] == 1
