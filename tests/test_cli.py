"""The ``threetalk`` command line as a whole: what it imports, help, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from threetalk import _cli

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
