"""``threetalk simulate --protocol NAME``: every built-in protocol from the command line."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

import pytest

import threetalk as tt
from threetalk import _cli
from threetalk.simulation import simulate

if TYPE_CHECKING:
    from pathlib import Path

PROTOCOLS = sorted(tt.builtin_protocols())


class TestProtocolOption:
    @pytest.mark.parametrize("name", PROTOCOLS)
    def test_every_built_in_protocol_runs(
        self, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--protocol NAME runs that protocol: the events say so, and the report is the
        report of simulate() with that protocol."""
        out = tmp_path / "runs.csv"

        code = _cli.main(
            ["simulate", "-n", "6", "--seed", "4", "--protocol", name, "--json", "--out", str(out)]
        )

        assert code == 0
        report = json.loads(capsys.readouterr().out)
        expected = simulate(6, seed=4, protocol=tt.builtin_protocols()[name], keep_events=False)
        assert report == expected.report().to_dict()
        with out.open(newline="", encoding="utf-8") as handle:
            assert {row["case:protocol"] for row in csv.DictReader(handle)} == {name}

    def test_the_default_is_three_talk(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without --protocol the run follows three_talk."""
        out = tmp_path / "runs.csv"

        code = _cli.main(["simulate", "-n", "2", "--quiet", "--out", str(out)])

        assert code == 0
        capsys.readouterr()
        with out.open(newline="", encoding="utf-8") as handle:
            assert {row["case:protocol"] for row in csv.DictReader(handle)} == {"three_talk"}

    def test_an_unknown_protocol_is_a_usage_error_listing_them(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown name is exit 2, and the message lists every built-in protocol."""
        with pytest.raises(SystemExit) as stopped:
            _cli.main(["simulate", "-n", "2", "--protocol", "four_talk"])

        err = capsys.readouterr().err
        assert stopped.value.code == 2
        for name in PROTOCOLS:
            assert name in err

    def test_the_help_names_every_protocol(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--help lists the protocols --protocol takes."""
        with pytest.raises(SystemExit):
            _cli.main(["simulate", "--help"])

        text = " ".join(capsys.readouterr().out.split())
        for name in PROTOCOLS:
            assert name in text
