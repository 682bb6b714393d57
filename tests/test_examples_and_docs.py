"""The examples run, the demo runs, and the docs list every code the engine can give."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from threetalk import _cli

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestExamples:
    @pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
    def test_example_runs(self, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Each example has a docstring and a main() that prints what it returns."""
        module = _load(path)

        lines = module.main()

        assert module.__doc__
        assert lines
        assert capsys.readouterr().out.splitlines() == lines

    def test_there_are_examples(self) -> None:
        """The examples folder is not empty (the parametrised test would pass vacuously)."""
        assert len(EXAMPLES) >= 3


class TestDemo:
    def test_demo_prints_a_verified_timeline(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`threetalk demo` prints refusals, an advisory, the decision and the verified head."""
        code = _cli.main(["demo"])

        out = capsys.readouterr().out
        assert code == 0
        assert "REFUSED" in out
        assert "(advisory A1)" in out
        assert "DECISION (agreed)" in out
        assert re.search(r"Chain verified: \d+ events, head [0-9a-f]{64}\.", out)
        assert "same state: yes" in out

    def test_module_entry_point(self) -> None:
        """`python -m threetalk demo` works as a command."""
        result = subprocess.run(
            [sys.executable, "-m", "threetalk", "demo"],
            capture_output=True,
            text=True,
            check=False,
        )

        assert result.returncode == 0, result.stderr
        assert "Chain verified" in result.stdout

    def test_unknown_command_is_a_usage_error(self) -> None:
        """An unknown subcommand exits with 2, like every usage error."""
        with pytest.raises(SystemExit) as exit_info:
            _cli.main(["no-such-command"])

        assert exit_info.value.code == 2


class TestDocumentedCodes:
    def test_every_reason_code_is_in_the_guide(self) -> None:
        """Every refusal code in the engine appears in docs/guide.md, and vice versa."""
        source = "\n".join(path.read_text() for path in (ROOT / "src" / "threetalk").glob("_*.py"))
        in_code = set(re.findall(r'(?:Reason|Rule)\(\s*"([a-z0-9-]+)"', source))
        in_code |= set(re.findall(r'"(only-[a-z-]+)"', source))
        guide = (ROOT / "docs" / "guide.md").read_text()
        in_guide = set(re.findall(r"^\| R?\d* *\| `([a-z0-9-]+)` \|", guide, re.MULTILINE))

        assert in_code == in_guide

    def test_every_advisory_code_is_in_the_guide(self) -> None:
        """Every advisory code in the engine appears in the guide's advisory table."""
        source = (ROOT / "src" / "threetalk" / "_advisories.py").read_text()
        advisories = set(re.findall(r'"([a-z-]+)",\s*"A\d"', source))
        guide = (ROOT / "docs" / "guide.md").read_text()

        assert len(advisories) == 6  # A1-A6
        assert all(f"`{code}`" in guide for code in advisories)
