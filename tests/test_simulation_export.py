"""Simulated event logs in the tools researchers use: pm4py (XES, OCEL 2.0), pandas, CSV, CLI.

pm4py is AGPL: it is a test oracle here, never imported by threetalk itself.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

import threetalk as tt
from policies import CrashesAt, InterruptsAt
from threetalk._cli import main
from threetalk._trail import thaw
from threetalk.simulation import Policy, PolicyError, SimulationResult, simulate, simulate_one
from threetalk.store import SQLiteStore

if TYPE_CHECKING:
    from pathlib import Path

pm4py_marks = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    """Conversations that move a lot: back-jumps, pauses, trials, reopened decisions."""
    return simulate(120, seed=21, policy="exploratory")


@pytest.fixture(scope="module")
def pm4py() -> Any:
    """pm4py, when installed (a development dependency only)."""
    return pytest.importorskip("pm4py")


def allowed_steps(protocol: tt.Protocol) -> set[tuple[str, str]]:
    """Every phase-to-phase step a conversation can take: its moves, pausing and resuming."""
    steps = {(a.value, b.value) for a, b in protocol.moves}
    for phase in protocol.phases:
        steps |= {(phase.value, "paused"), ("paused", phase.value), (phase.value, "closed")}
    return steps


def phase_edges(dfg: dict[tuple[str, str], int]) -> set[tuple[str, str]]:
    """The edges of a directly-follows graph of phases, without staying in a phase."""
    return {edge for edge in dfg if edge[0] != edge[1]}


@pytest.mark.usefixtures("pm4py")
class TestPm4py:
    pytestmark = pm4py_marks

    def test_xes_reads_back_and_follows_the_protocol(
        self, result: SimulationResult, pm4py: Any, tmp_path: Path
    ) -> None:
        """pm4py reads the XES log; every phase edge of its DFG is a step the protocol has."""
        path = tmp_path / "runs.xes"
        result.to_xes(path, activity="phase")

        log = pm4py.read_xes(str(path))
        dfg, start, _end = pm4py.discover_dfg(log)

        assert len(log) == sum(1 for _ in result.events())
        assert log["case:concept:name"].nunique() == result.n
        assert set(start) == {"preparation"}
        edges = phase_edges(dfg)
        assert ("decision_talk", "option_talk") in edges  # back-jumps are there
        assert edges <= allowed_steps(result.protocol)

    def test_xes_kinds_and_resources(
        self, result: SimulationResult, pm4py: Any, tmp_path: Path
    ) -> None:
        """With activity = event kind, counts per kind and resources match the events."""
        path = tmp_path / "runs.xes"
        result.to_xes(path)

        log = pm4py.read_xes(str(path))

        expected = Counter(event.kind for event in result.events())
        assert dict(Counter(log["concept:name"])) == dict(expected)
        assert set(log["org:resource"]) <= {"client", "relative", "professional", "system"}
        first = log[log["case:concept:name"] == "exploratory/sim-21-0"].sort_values("threetalk:seq")
        events = next(result.conversations())
        assert list(first["concept:name"]) == [event.kind for event in events]

    def test_ocel_reads_back(self, result: SimulationResult, pm4py: Any, tmp_path: Path) -> None:
        """pm4py reads the OCEL 2.0 log: its events and objects match the conversations."""
        path = tmp_path / "runs.jsonocel"
        result.to_ocel(path)

        ocel = pm4py.read_ocel2_json(str(path))

        events = list(result.events())
        assert len(ocel.events) == len(events)
        objects = Counter(ocel.objects["ocel:type"])
        assert objects["conversation"] == result.n
        assert objects["participant"] == sum(1 for e in events if e.kind == "joined")
        assert objects["option"] == sum(1 for e in events if e.kind == "option-proposed")
        assert dict(Counter(ocel.events["ocel:activity"])) == dict(Counter(e.kind for e in events))

    def test_ocel_phases_follow_the_protocol(
        self, result: SimulationResult, pm4py: Any, tmp_path: Path
    ) -> None:
        """Flattened on conversations, the OCEL log's phase DFG uses only allowed steps."""
        path = tmp_path / "runs.jsonocel"
        result.to_ocel(path)
        ocel = pm4py.read_ocel2_json(str(path))

        flat = pm4py.ocel_flattening(ocel, "conversation")
        flat["concept:name"] = flat["phase"]
        dfg, _start, _end = pm4py.discover_dfg(flat)

        assert len(flat) == sum(1 for _ in result.events())
        assert phase_edges(dfg) <= allowed_steps(result.protocol)

    def test_streamed_files_read_back(self, pm4py: Any, tmp_path: Path) -> None:
        """Files streamed during a run with two workers and no events kept read back whole."""
        xes, ocel = tmp_path / "big.xes", tmp_path / "big.jsonocel"

        run = simulate(
            60, seed=3, policy="conflicted", workers=2, keep_events=False, out=[xes, ocel]
        )

        total = sum(summary.events for summary in run.summaries)
        assert len(pm4py.read_xes(str(xes))) == total
        assert len(pm4py.read_ocel2_json(str(ocel)).events) == total


class TestFiles:
    def test_csv(self, result: SimulationResult, tmp_path: Path) -> None:
        """The CSV file has one row per event, with the documented columns."""
        path = tmp_path / "runs.csv"
        result.to_csv(path)

        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))

        events = list(result.events())
        assert len(rows) == len(events)
        assert list(rows[0]) == [
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
        assert rows[0]["concept:name"] == "opened"
        assert rows[0]["case:concept:name"] == "exploratory/sim-21-0"
        assert rows[0]["case:decided"] in {"true", "false"}
        assert json.loads(rows[1]["data"]) == dict(events[1].data)

    def test_ocel_is_json(self, result: SimulationResult, tmp_path: Path) -> None:
        """The OCEL file is one JSON document with the four OCEL 2.0 sections."""
        path = tmp_path / "runs.json"
        result.to_ocel(path)

        document = json.loads(path.read_text(encoding="utf-8"))

        assert set(document) == {"objectTypes", "eventTypes", "objects", "events"}

    def test_pandas(self, result: SimulationResult) -> None:
        """to_pandas() gives the long event table with aware timestamps."""
        pytest.importorskip("pandas")

        frame = result.to_pandas()

        assert len(frame) == sum(1 for _ in result.events())
        assert frame["case:concept:name"].nunique() == result.n
        assert str(frame["time:timestamp"].dt.tz) == "UTC"
        assert set(result.to_pandas(activity="phase")["concept:name"]) <= {
            phase.value for phase in tt.Phase
        }

    def test_without_events_nothing_to_write(self, tmp_path: Path) -> None:
        """A summaries-only run cannot be written afterwards, and leaves no file."""
        run = simulate(3, seed=1, keep_events=False)

        with pytest.raises(tt.ThreetalkError, match="keep_events"):
            run.to_xes(tmp_path / "x.xes")

        assert list(tmp_path.iterdir()) == []


class TestStore:
    def test_sqlite_output(self, tmp_path: Path) -> None:
        """out=*.sqlite appends every conversation to a store, where each one reopens."""
        store_module = pytest.importorskip("threetalk.store")
        path = tmp_path / "runs.sqlite"

        run = simulate(30, seed=6, policy="conflicted", keep_events=False, out=path)

        with store_module.SQLiteStore(path) as store:
            assert len(store.conversation_ids()) == 30
            assert sum(1 for _ in store.events()) == sum(s.events for s in run.summaries)
            again = store_module.open_conversation(store, "sim-6-4")
            alone = simulate_one(4, seed=6, policy=Policy.conflicted()).events
            # What the chain covers: the same events, hashes and data (thawed: see below).
            assert [(e.seq, e.kind, e.hash) for e in again.events] == [
                (e.seq, e.kind, e.hash) for e in alone
            ]
            assert [thaw(e.data) for e in again.events] == [thaw(e.data) for e in alone]
            assert store.verify().ok

    def test_reopened_events_equal_the_simulated_ones(self, tmp_path: Path) -> None:
        """A conversation read back from the store equals the simulated one, event by event
        (sim-6-4 raises advisory A6)."""
        store_module = pytest.importorskip("threetalk.store")
        path = tmp_path / "runs.sqlite"
        simulate(5, seed=6, policy="conflicted", keep_events=False, out=path)

        with store_module.SQLiteStore(path) as store:
            again = store_module.open_conversation(store, "sim-6-4")
        alone = simulate_one(4, seed=6, policy=Policy.conflicted()).events

        assert any(e.kind == "advisory" and e.data["code"] == "open-question" for e in alone)
        assert again.events == alone

    def test_to_sqlite(self, result: SimulationResult, tmp_path: Path) -> None:
        """A kept run can be appended to a store afterwards."""
        store_module = pytest.importorskip("threetalk.store")
        path = tmp_path / "kept.sqlite"

        result.to_sqlite(path)

        with store_module.SQLiteStore(path) as store:
            assert sum(1 for _ in store.events()) == sum(1 for _ in result.events())


class TestStoreOutputs:
    """SQLite outputs are built aside and moved into place; existing stores need append."""

    def test_an_interrupted_run_leaves_no_store(self, tmp_path: Path) -> None:
        """Ctrl-C midway through a run leaves neither the store nor a temporary file."""
        path = tmp_path / "runs.sqlite"

        with pytest.raises(KeyboardInterrupt):
            simulate(40, seed=1, policy=InterruptsAt(30), out=path, chunk_size=5)

        assert list(tmp_path.iterdir()) == []

    def test_a_failing_policy_leaves_no_output_at_all(self, tmp_path: Path) -> None:
        """A PolicyError midway leaves none of the outputs, SQLite or files."""
        outs = [tmp_path / "runs.sqlite", tmp_path / "runs.xes", tmp_path / "runs.csv"]

        with pytest.raises(PolicyError):
            simulate(40, seed=1, policy=CrashesAt(30), out=outs, chunk_size=5)

        assert list(tmp_path.iterdir()) == []

    def test_an_existing_store_is_refused_and_left_alone(self, tmp_path: Path) -> None:
        """Without append=True an existing store is InvalidInput, byte for byte untouched."""
        path = tmp_path / "real.db"
        with SQLiteStore(path) as store:
            conv = tt.Conversation(conversation_id="real-1", store=store)
            conv.join("Client", tt.Role.CLIENT)
        before = path.read_bytes()

        with pytest.raises(tt.InvalidInput, match="append=True") as caught:
            simulate(5, seed=1, out=path)

        assert caught.value.argument == "out"
        assert path.read_bytes() == before
        assert sorted(item.name for item in tmp_path.iterdir()) == ["real.db"]

    def test_to_sqlite_refuses_an_existing_store(
        self, result: SimulationResult, tmp_path: Path
    ) -> None:
        """to_sqlite into an existing store without append=True is refused too."""
        path = tmp_path / "kept.sqlite"
        result.to_sqlite(path)
        before = path.read_bytes()

        with pytest.raises(tt.InvalidInput, match="--append"):
            result.to_sqlite(path)

        assert path.read_bytes() == before

    def test_append_adds_to_the_store(self, tmp_path: Path) -> None:
        """With append=True the run's conversations join those already stored."""
        path = tmp_path / "real.db"
        with SQLiteStore(path) as store:
            conv = tt.Conversation(conversation_id="real-1", store=store)
            conv.join("Client", tt.Role.CLIENT)

        simulate(6, seed=2, out=path, append=True, keep_events=False)
        simulate(4, seed=3, keep_events=True).to_sqlite(path, append=True)

        with SQLiteStore(path) as store:
            ids = set(store.conversation_ids())
            assert store.verify().ok
        assert len(ids) == 11
        assert {"real-1", "sim-2-5", "sim-3-3"} <= ids

    def test_append_of_the_same_run_twice_changes_nothing(self, tmp_path: Path) -> None:
        """Appending conversations the store already holds is a StoreError, not a mix."""
        path = tmp_path / "runs.sqlite"
        simulate(3, seed=2, out=path)
        before = path.read_bytes()

        with pytest.raises(tt.StoreError):
            simulate(3, seed=2, out=path, append=True)

        with SQLiteStore(path) as store:
            assert len(store.conversation_ids()) == 3
        assert path.read_bytes() == before

    def test_leftovers_of_an_earlier_store_are_refused(self, tmp_path: Path) -> None:
        """A stale -wal beside a missing store would come back to life: refused, untouched."""
        path = tmp_path / "runs.sqlite"
        stale = tmp_path / "runs.sqlite-wal"
        stale.write_bytes(b"stale")

        with pytest.raises(tt.InvalidInput, match=r"runs\.sqlite-wal"):
            simulate(3, seed=2, out=path)

        assert not path.exists()
        assert stale.read_bytes() == b"stale"

    def test_a_store_that_appeared_meanwhile_is_not_clobbered(self, tmp_path: Path) -> None:
        """If the target appears while the run goes, it is kept and the run's store dropped."""
        path = tmp_path / "runs.sqlite"

        def meanwhile(done: int, total: int) -> None:
            if done == total:
                path.write_bytes(b"someone else's")

        with pytest.raises(tt.InvalidInput, match="appeared"):
            simulate(10, seed=2, out=path, chunk_size=5, progress=meanwhile)

        assert path.read_bytes() == b"someone else's"
        assert [item.name for item in tmp_path.iterdir()] == ["runs.sqlite"]

    def test_a_new_store_is_private(self, tmp_path: Path) -> None:
        """A store made by a run is 0600, as every new store."""
        path = tmp_path / "runs.sqlite"

        simulate(3, seed=2, out=path)

        assert path.stat().st_mode & 0o777 == 0o600


class TestCommandLine:
    def test_simulate_prints_the_report(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """threetalk simulate runs, writes --out and prints the report."""
        out = tmp_path / "runs.xes"

        code = main(
            ["simulate", "-n", "30", "--seed", "7", "--policy", "conflicted", "--out", str(out)]
        )

        printed = capsys.readouterr().out
        assert code == 0
        assert "30 conversations" in printed
        assert "agreed" in printed
        assert out.stat().st_size > 0

    def test_json_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--json prints the report as JSON."""
        code = main(["simulate", "-n", "10", "--seed", "1", "--json", "--workers", "2"])

        report = json.loads(capsys.readouterr().out)
        assert code == 0
        assert report["conversations"] == 10

    def test_plain_progress_without_rich(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without rich, progress is shown as plain lines on stderr."""
        monkeypatch.setitem(sys.modules, "rich.progress", None)

        code = main(["simulate", "-n", "20", "--seed", "1", "--policy", "hasty"])

        captured = capsys.readouterr()
        assert code == 0
        assert "simulated 20 of 20" in captured.err

    def test_bad_output_is_a_usage_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown output format is a usage error reported before any work (exit code 2)."""
        code = main(["simulate", "-n", "5", "--out", str(tmp_path / "runs.parquet")])

        assert code == 2
        assert "suffix" in capsys.readouterr().err
