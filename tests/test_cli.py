"""The ``threetalk`` command line as a whole: what it imports, help, exit codes, Ctrl-C."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

import threetalk as tt
from conftest import StepClock
from threetalk import _cli, _demo, _demo_cases, _simulation_cli, _store_cli
from threetalk.store import MemoryStore, SQLiteStore

if TYPE_CHECKING:
    from pathlib import Path

#: Modules that only some subcommands need.
HEAVY = ("sqlite3", "multiprocessing", "threetalk.simulation")

#: Runs the command line with the arguments given, then prints the modules it imported.
IMPORTED_BY = """\
import json, runpy, sys
sys.argv = ["threetalk", *json.loads(sys.argv[1])]
try:
    runpy.run_module("threetalk", run_name="__main__")
except SystemExit as stop:
    code = stop.code
print("\\nMODULES", json.dumps([code, sorted(sys.modules)]))
"""


def imported_by(*arguments: str) -> tuple[int, set[str]]:
    """The exit code of ``python -m threetalk *arguments`` and the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY, json.dumps(arguments)],
        capture_output=True,
        text=True,
        check=True,
    )
    code, modules = json.loads(done.stdout.rpartition("\nMODULES ")[2])
    return code, set(modules)


class TestLazyImports:
    def test_help_imports_no_subcommand(self):
        """``threetalk --help`` leaves sqlite3, multiprocessing and the simulation unimported."""
        code, modules = imported_by("--help")

        assert code == 0
        assert "threetalk._cli" in modules
        assert [name for name in HEAVY if name in modules] == []

    def test_demo_imports_no_store_and_no_simulation(self):
        """``threetalk demo`` runs on the core alone."""
        code, modules = imported_by("demo")

        assert code == 0
        assert [name for name in HEAVY if name in modules] == []

    @pytest.mark.parametrize(
        ("command", "needed"),
        [("verify", "sqlite3"), ("import", "sqlite3"), ("simulate", "threetalk.simulation")],
    )
    def test_a_subcommand_imports_what_it_needs(self, command, needed):
        """A subcommand's help imports its own module (so the checks above can fail)."""
        code, modules = imported_by(command, "--help")

        assert code == 0
        assert needed in modules

    @pytest.mark.parametrize("command", sorted(_cli.SUBCOMMANDS))
    def test_every_subcommand_has_help(self, command, capsys):
        """``threetalk COMMAND --help`` exits 0 and shows the command's own usage."""
        with pytest.raises(SystemExit) as stop:
            _cli.main([command, "--help"])

        out = capsys.readouterr().out
        assert stop.value.code == 0
        assert out.startswith(f"usage: threetalk {command} [-h]")

    def test_the_overview_lists_every_subcommand(self, capsys):
        """``threetalk --help`` names every subcommand with its one-line help."""
        with pytest.raises(SystemExit):
            _cli.main(["--help"])

        out = capsys.readouterr().out
        assert all(f"    {name}" in out for name in _cli.SUBCOMMANDS)


# ---------------------------------------------------------------------------- demo

PROTOCOLS = sorted(tt.builtin_protocols())
LANGUAGES = ("en", "nl")


def demo(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    """What ``threetalk demo *arguments`` prints; it must exit with 0."""
    code = _cli.main(["demo", *arguments])

    out = capsys.readouterr().out
    assert code == 0
    return out


class TestDemo:
    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_every_case_in_every_language(self, protocol, language, capsys):
        """Each protocol's case runs in each language and shows every step of the guide
        (id and title), prompts of the catalogue in that language, and the decision."""
        out = demo(capsys, "--protocol", protocol, "--language", language)

        conv = _demo_cases.play(protocol, language)
        steps = tt.builtin_protocols()[protocol].steps
        assert all(f"{step.id}: {step.title[language]}" in out for step in steps)
        prompts = tt.builtin_protocols()[protocol].prompts
        assert sum(f'"{prompt.text[language]}"' in out for prompt in prompts) >= len(steps)
        decision = conv.decision
        assert decision is not None
        assert f"{decision.option.text} (" in out
        assert decision.what in out
        label = {"en": "Decision: ", "nl": "Besluit: "}[language]
        assert sum(line.startswith(label) for line in out.splitlines()) == 1
        assert out.rstrip().endswith({"en": "same state: yes.", "nl": "toestand: ja."}[language])

    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_dutch_is_dutch(self, protocol, capsys):
        """In Dutch the timeline, the steps and the summary speak Dutch, prompts included."""
        out = demo(capsys, "--protocol", protocol, "--language", "nl")

        assert "doet mee als cliënt" in out
        assert "== stap 1 van" in out
        assert '? aan de cliënt: "' in out
        assert "Keten geverifieerd: " in out
        assert not any(
            english in out for english in ("joins as", "== step", "to the client", "Decision:")
        )

    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_refusals_and_advisories_in_the_language(self, protocol, language, capsys):
        """Every refusal reason and advisory is given as its text in the language chosen."""
        out = demo(capsys, "--protocol", protocol, "--language", language)

        conv = _demo_cases.play(protocol, language)
        reasons = [
            tt.Reason(r["code"], r["message"], r["rule"], r.get("params", {}))
            for event in conv.events
            if event.kind == "refused"
            for r in event.data["reasons"]
        ]
        assert reasons or conv.advisories
        assert all(reason.text(language) in out for reason in reasons)
        assert all(advisory.text(language) in out for advisory in conv.advisories)
        marker = {"en": "!!! REFUSED ", "nl": "!!! GEWEIGERD "}[language]
        assert out.count(marker) == len([event for event in conv.events if event.kind == "refused"])

    def test_the_new_acts_are_told(self, capsys):
        """The acts of the guides each have a line of their own in the timelines."""
        out = "".join(
            demo(capsys, "--protocol", protocol, "--language", "en") for protocol in PROTOCOLS
        )

        for told in (
            "on deciding: we decide together",
            "SURE check: 3 of 4 yes; no to: sure of the best choice",
            "checks Daan's understanding (teach-back): not understood yet",
            "analysis, strength: ",
            "hands over a leaflet: ",
            "asks q1: ",
            "answers q1: ",
            "(from their network)",
            "; expected result: ",
            "(an obligation; legal basis: Participation Act",
            "declines Unpaid socially useful work",
            "waives the obligation Unpaid socially useful work",
            "(advisory A5)",
            "(advisory A6)",
        ):
            assert told in out, told

    def test_the_default_is_sams_case_in_english(self, capsys):
        """Without options the demo plays the three-talk case in English, as `make demo` did."""
        default = demo(capsys)
        chosen = demo(capsys, "--protocol", "three_talk", "--language", "en")

        assert default == chosen
        assert default.startswith("A shared decision in rehabilitation: Sam (client)")
        assert "  2 Mon 23 Nov 09:02  preparation   Sam   joins as client\n" in default
        assert "REFUSED move_to: Deciding needs at least two options" in default
        last = default.rstrip().splitlines()[-2:]
        assert last[0].startswith("Chain verified: 39 events, head ")
        assert last[1] == "Rebuilt from its events alone, same state: yes."

    def test_a_prompt_shown_when_its_condition_comes_to_hold(self, capsys):
        """A prompt whose condition holds only later in a step is shown when it does: the
        relative's prompt once she joined, the objection prompt once Sam objected."""
        out = demo(capsys).splitlines()

        joined = out.index(next(line for line in out if "Noor  joins as relative" in line))
        objected = out.index(next(line for line in out if "objects: " in line))
        assert out[joined + 1].startswith('       ? now, to the relative: "')
        assert out[objected + 1].startswith('       ? now, to the client: "')

    def test_the_timeline_of_a_conversation_of_ones_own(self):
        """timeline() tells any conversation, with the steps of its protocol."""
        conv = tt.Conversation(clock=StepClock())
        client = conv.join("A", tt.Role.CLIENT)
        conv.join("B", tt.Role.PROFESSIONAL)
        conv.add_topic("Werk", by=client)

        lines = _demo.timeline(conv, "nl")

        assert "doet mee als cliënt" in lines[4]
        assert lines[1].strip() == "== stap 1 van 5, preparation: Voorbereiding"
        assert lines[-1].endswith("onderwerp: Werk")

    def test_the_timeline_of_a_keyed_conversation(self):
        """timeline() rebuilds a conversation with a keyed chain when given its key."""
        key = b"k" * 32
        conv = tt.Conversation(clock=StepClock(), store=MemoryStore(key=key))
        conv.join("A", tt.Role.CLIENT)

        lines = _demo.timeline(conv, key=key)

        assert lines[-1].endswith("A     joins as client")

    def test_another_protocol_imports_nothing_heavy(self):
        """A guide's case in Dutch still runs on the core alone."""
        code, modules = imported_by("demo", "--protocol", "youth_care", "--language", "nl")

        assert code == 0
        assert [name for name in HEAVY if name in modules] == []


# ---------------------------------------------------------------------------- helpers


def fill(path: Path, ids: tuple[str, ...] = ("a", "b")) -> None:
    """A store with the conversations ``ids``, 8 events each."""
    with SQLiteStore(path) as store:
        for conversation_id in ids:
            conv = tt.Conversation(conversation_id=conversation_id, clock=StepClock(), store=store)
            client = conv.join("Client", tt.Role.CLIENT)
            pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
            conv.move_to(tt.Phase.TEAM_TALK, by=pro)
            for topic in ("Sleep", "Work", "Money", "Friends"):
                conv.add_topic(topic, by=client)


def exported(db: Path, capsys: pytest.CaptureFixture[str]) -> bytes:
    """The JSONL trail ``threetalk export`` writes for ``db``."""
    assert _cli.main(["export", str(db)]) == 0
    return capsys.readouterr().out.encode("utf-8")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store file with conversations a and b."""
    path = tmp_path / "talks.db"
    fill(path)
    return path


# ---------------------------------------------------------------------------- Ctrl-C


class TestInterrupt:
    def test_ctrl_c_during_simulate(self, tmp_path: Path) -> None:
        """SIGINT during a run: one line, exit 130, and no output file, whole or partial."""
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "threetalk",
                "simulate",
                "-n",
                "20000",
                "--out",
                str(tmp_path / "runs.csv"),
                "--out",
                str(tmp_path / "runs.jsonocel"),
                "--out",
                str(tmp_path / "runs.sqlite"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        first = process.stderr.readline()  # the first progress line: the run is under way
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)

        assert first.startswith("simulated ")
        assert process.returncode == 130
        assert err.splitlines()[-1:] == ["threetalk simulate: interrupted"]
        assert "Traceback" not in err
        assert out == ""
        assert sorted(tmp_path.iterdir()) == []

    def test_ctrl_c_during_export(
        self, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A KeyboardInterrupt anywhere in a command is exit 130 and one line."""

        def interrupted(*_args: object, **_kwargs: object) -> int:
            raise KeyboardInterrupt

        monkeypatch.setattr(_store_cli, "export_jsonl", interrupted)

        code = _cli.main(["export", str(db)])

        assert code == 130
        assert capsys.readouterr().err == "threetalk export: interrupted\n"


# ---------------------------------------------------------------------------- store commands


class TestImportFromStandardInput:
    def test_export_piped_into_import(
        self,
        db: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """``threetalk import - DB`` reads the trail that ``export`` wrote, from stdin."""
        trail = exported(db, capsys)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(trail)))
        target = tmp_path / "copy.db"

        code = _cli.main(["import", "-", str(target)])

        assert code == 0
        assert "imported 16 events of 2 conversations" in capsys.readouterr().out
        with SQLiteStore(target) as store, SQLiteStore(db) as source:
            assert store.conversation_ids() == ("a", "b")
            assert store.head("b") == source.head("b")

    def test_a_bad_line_on_stdin_is_named(
        self,
        db: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A trail on stdin is checked like a file: exit 1 naming the line, no store made."""
        lines = exported(db, capsys).splitlines(keepends=True)
        lines[2] = b"not json\n"
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"".join(lines))))
        target = tmp_path / "copy.db"

        code = _cli.main(["import", "-", str(target)])

        err = capsys.readouterr().err
        assert code == 1
        assert err.startswith("threetalk import: line 3: ")
        assert not target.exists()

    def test_the_installed_command_reads_a_pipe(self, db: Path, tmp_path: Path) -> None:
        """``threetalk export a.db | threetalk import - b.db`` copies a store."""
        trail = subprocess.run(
            [sys.executable, "-m", "threetalk", "export", str(db)],
            capture_output=True,
            check=True,
        ).stdout
        target = tmp_path / "copy.db"

        done = subprocess.run(
            [sys.executable, "-m", "threetalk", "import", "-", str(target)],
            input=trail,
            capture_output=True,
            check=False,
        )

        assert done.returncode == 0, done.stderr
        with SQLiteStore(target) as store:
            assert store.conversation_ids() == ("a", "b")


class TestExportReport:
    def test_export_reports_count_and_heads_on_stderr(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Standard error gets each conversation's head and the number of events written."""
        code = _cli.main(["export", str(db)])

        captured = capsys.readouterr()
        with SQLiteStore(db) as store:
            heads = {cid: store.head(cid) for cid in ("a", "b")}
        assert code == 0
        assert len(captured.out.splitlines()) == 16
        assert captured.err.splitlines() == [
            f"threetalk export: a: head seq 8 {heads['a'].hash}",
            f"threetalk export: b: head seq 8 {heads['b'].hash}",
            "threetalk export: wrote 16 events of 2 conversations",
        ]

    def test_the_heads_are_those_of_the_lines_written(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The reported heads match the last line of each conversation on stdout."""
        _cli.main(["export", str(db)])

        captured = capsys.readouterr()
        last: dict[str, tuple[int, str]] = {}
        for line in captured.out.splitlines():
            event = json.loads(line)
            last[event["conversation_id"]] = (event["seq"], event["hash"])
        expected = [
            f"threetalk export: {cid}: head seq {seq} {h}" for cid, (seq, h) in last.items()
        ]
        assert captured.err.splitlines()[:-1] == expected

    def test_a_closed_pipe_is_one_line(self, tmp_path: Path) -> None:
        """When the reader stops early (``| head``), export says so in one line, exit 2."""
        big = tmp_path / "big.db"
        fill(big, tuple(f"c{index}" for index in range(300)))
        with subprocess.Popen(
            [sys.executable, "-m", "threetalk", "export", str(big)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            process.stdout.readline()
            process.stdout.close()
            err = process.stderr.read()
            process.wait(timeout=60)

        assert process.returncode == 2
        assert err.startswith("threetalk export: standard output closed after ")
        assert len(err.splitlines()) == 1


# ---------------------------------------------------------------------------- simulate


class TestSimulateOptions:
    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --backend dask"),
            (
                ["--backend", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"],
                "--workers has no effect with --scheduler",
            ),
            (["--activity", "phase"], "--activity needs --out"),
            (["--append"], "--append needs an --out store"),
            (["--append", "--out", "{tmp}/runs.csv"], "--append needs an --out store"),
        ],
    )
    def test_an_option_without_effect_is_a_usage_error(
        self,
        arguments: list[str],
        message: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """An option that the others make pointless is exit 2 and one line, before any work."""
        argv = ["simulate", "-n", "3", *(a.replace("{tmp}", str(tmp_path)) for a in arguments)]

        code = _cli.main(argv)

        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"threetalk simulate: {message}")
        assert len(err.splitlines()) == 1
        assert list(tmp_path.iterdir()) == []

    def test_the_same_options_work_together(self, tmp_path: Path) -> None:
        """--activity with --out is fine (the check above is not a blanket refusal)."""
        code = _cli.main(
            [
                "simulate",
                "-n",
                "3",
                "--quiet",
                "--activity",
                "phase",
                "--out",
                str(tmp_path / "r.csv"),
            ]
        )

        assert code == 0
        assert (tmp_path / "r.csv").exists()

    def test_a_scheduler_dask_cannot_parse_is_one_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An address the Dask client refuses is exit 2 and one line, not dask's traceback."""
        pytest.importorskip("distributed")

        code = _cli.main(["simulate", "-n", "3", "--backend", "dask", "--scheduler", "nowhere"])

        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith("threetalk simulate: cannot use the Dask scheduler at 'nowhere'")
        assert len(err.splitlines()) == 1


class TestSimulateIntoAStore:
    def test_an_existing_store_is_not_added_to_silently(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--out existing.db without --append is refused and the store stays as it was."""
        code = _cli.main(["simulate", "-n", "3", "--quiet", "--out", str(db)])

        err = capsys.readouterr().err
        with SQLiteStore(db) as store:
            assert store.conversation_ids() == ("a", "b")
        assert code == 2
        assert len(err.splitlines()) == 1

    def test_append_adds_to_an_existing_store(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With --append the simulated conversations join the ones already stored."""
        code = _cli.main(["simulate", "-n", "3", "--quiet", "--append", "--out", str(db)])

        with SQLiteStore(db) as store:
            assert store.conversation_ids() == ("a", "b", "sim-0-0", "sim-0-1", "sim-0-2")
        assert code == 0


class TestSimulateProgress:
    def test_plain_lines_when_stderr_is_not_a_terminal(self) -> None:
        """With stderr redirected, progress is plain lines there (rich or not), none on stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "threetalk", "simulate", "-n", "40", "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        quiet = done.stderr

        done = subprocess.run(
            [sys.executable, "-m", "threetalk", "simulate", "-n", "40"],
            capture_output=True,
            text=True,
            check=True,
        )

        assert quiet == ""
        assert done.stderr.splitlines()[-1] == "simulated 40 of 40"
        assert all(line.startswith("simulated ") for line in done.stderr.splitlines())
        assert "\x1b" not in done.stderr
        assert "simulated" not in done.stdout

    def test_a_terminal_gets_rich_on_stderr(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """On a terminal with rich installed, a rich bar is drawn on stderr, not plain lines."""
        progress = pytest.importorskip("rich.progress")
        drawn: list[tuple[object, int]] = []

        class Recorder:
            def __init__(self, *, console: Any, transient: bool) -> None:
                self.file = console.file

            def start(self) -> None:
                pass

            def stop(self) -> None:
                pass

            def add_task(self, _name: str, total: int) -> int:
                return 0

            def update(self, _task: int, completed: int, total: int) -> None:
                drawn.append((self.file, completed))

        monkeypatch.setattr(_simulation_cli, "_is_terminal", lambda _stream: True)
        monkeypatch.setattr(progress, "Progress", Recorder)

        code = _cli.main(["simulate", "-n", "20"])

        captured = capsys.readouterr()
        assert code == 0
        assert drawn[-1] == (sys.stderr, 20)
        assert "simulated" not in captured.err


# ---------------------------------------------------------------------------- bad input


def _deep(trail: bytes) -> bytes:
    """The trail with its second event's data nested 600 lists deep."""
    lines = trail.splitlines(keepends=True)
    event = json.loads(lines[1])
    event["data"] = {"x": json.loads("[" * 600 + "]" * 600)}
    lines[1] = json.dumps(event).encode() + b"\n"
    return b"".join(lines)


#: (argument list, exit code). In the arguments: {db} a good store, {trail} its JSONL
#: trail, {foreign} a file that is not a store, {empty} an empty file, {binary} random
#: bytes, {deep} a trail nested too deeply, {short} a 4-byte key, {key} a good key, {dir} a
#: folder, {missing} a path where nothing is, {tmp} the test's folder.
BAD_INPUT = [
    (["verify"], 2),
    (["verify", "{missing}"], 2),
    (["verify", "{foreign}"], 1),
    (["verify", "{empty}"], 1),
    (["verify", "{dir}"], 1),
    (["verify", "{db}", "--key-file", "{missing}"], 2),
    (["verify", "{db}", "--key-file", "{short}"], 2),
    (["verify", "{db}", "--key-file", "{dir}"], 2),
    (["verify", "{db}", "--key-file", "{key}"], 1),
    (["verify", "{db}", "surplus"], 2),
    (["export"], 2),
    (["export", "{missing}"], 2),
    (["export", "{foreign}"], 1),
    (["export", "{db}", "--format", "xml"], 2),
    (["export", "{db}", "--key-file", "{key}"], 1),
    (["import", "{trail}"], 2),
    (["import", "{missing}", "{tmp}/new.db"], 2),
    (["import", "{dir}", "{tmp}/new.db"], 2),
    (["import", "{binary}", "{tmp}/new.db"], 1),
    (["import", "{empty}", "{tmp}/new.db"], 1),
    (["import", "{foreign}", "{tmp}/new.db"], 1),
    (["import", "{deep}", "{tmp}/new.db"], 1),
    (["import", "{db}", "{tmp}/new.db"], 1),
    (["import", "{trail}", "{db}"], 1),
    (["import", "{trail}", "{foreign}"], 1),
    (["import", "{trail}", "{dir}"], 1),
    (["import", "{trail}", "{missing}/new.db"], 2),
    (["import", "{trail}", "{tmp}/new.db", "--key-file", "{short}"], 2),
    (["simulate", "-n", "0"], 2),
    (["simulate", "-n", "many"], 2),
    (["simulate", "--workers", "0"], 2),
    (["simulate", "--policy", "reckless"], 2),
    (["simulate", "--out", "{tmp}/runs.parquet"], 2),
    (["simulate", "--out", "{missing}/runs.csv"], 2),
    (["simulate", "--out", "{dir}"], 2),
    (["demo", "surplus"], 2),
    (["demo", "--protocol", "no_such_guide"], 2),
    (["demo", "--protocol"], 2),
    (["demo", "--language", "de"], 2),
    (["demo", "--language", "NL"], 2),
    (["no-such-command"], 2),
]


@pytest.fixture
def files(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """The files the placeholders of BAD_INPUT name."""
    trail = exported(db, capsys)
    made = {
        "trail": trail,
        "foreign": b"hello",
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "deep": _deep(trail),
        "short": b"tiny",
        "key": b"k" * 32,
    }
    paths = {"db": str(db), "tmp": str(tmp_path), "missing": str(tmp_path / "missing")}
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
        paths[name] = str(tmp_path / name)
    (tmp_path / "dir").mkdir()
    paths["dir"] = str(tmp_path / "dir")
    return paths


class TestBadInput:
    @pytest.mark.parametrize(
        ("arguments", "expected"), BAD_INPUT, ids=[" ".join(row[0]) for row in BAD_INPUT]
    )
    def test_bad_input_is_one_line_and_an_exit_code(
        self,
        arguments: list[str],
        expected: int,
        files: dict[str, str],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Bad arguments or a bad file: exit 2 (usage, I/O) or 1 (failed), one line, no store."""
        argv = [argument.format(**files) for argument in arguments]
        before = sorted(tmp_path.iterdir())

        try:
            code = _cli.main(argv)
        except SystemExit as stop:
            code = stop.code

        captured = capsys.readouterr()
        assert code == expected, captured.err
        assert captured.err.startswith("threetalk")
        assert len(captured.err.splitlines()) == 1, captured.err
        assert captured.out == ""
        assert sorted(tmp_path.iterdir()) == before

    def test_the_table_covers_every_subcommand(self) -> None:
        """Every subcommand has rows in the table above."""
        covered = {row[0][0] for row in BAD_INPUT}

        assert set(_cli.SUBCOMMANDS) <= covered
