"""The public surface of ``threetalk``: exactly what ``__all__`` says, documented, light."""

from __future__ import annotations
import __future__

import importlib.resources
import inspect
import json
import subprocess
import sys
import tomllib
import types

import pytest

import threetalk as tt
from conftest import StepClock
from scenarios import build
from threetalk.store import event_schema

HEAVY = ("pandas", "dask", "rich", "pm4py")


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps ``__all__`` in: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def public_names() -> set[str]:
    """Names the package namespace defines for users: no underscore, no submodule."""
    return {
        name
        for name, value in vars(tt).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        # `from __future__ import annotations` leaves a feature object behind; not API.
        and not isinstance(value, __future__._Feature)
    }


class TestAll:
    def test_all_is_sorted(self):
        """__all__ is kept sorted (constants, classes, functions; each alphabetical)."""
        names = list(tt.__all__)

        assert names == sorted(names, key=isort_key)
        assert len(set(names)) == len(names)

    def test_all_is_exactly_the_public_names(self):
        """__all__ lists every public name of the namespace and nothing else."""
        exported = set(tt.__all__)

        assert exported == public_names()

    def test_issue_names_are_exported(self):
        """The names fixed by the issue are all there."""
        fixed = {
            "Conversation",
            "Phase",
            "Role",
            "Stance",
            "Decided",
            "Decision",
            "Refused",
            "InvalidInput",
            "UnknownParticipant",
            "TamperedLog",
            "InvalidProtocol",
            "ThreetalkError",
            "replay",
            "verify",
            "three_talk",
            "work_and_income",
            "Reason",
            "Event",
        }

        missing = fixed - set(tt.__all__)

        assert missing == set()

    @pytest.mark.parametrize("name", sorted(tt.__all__))
    def test_exported_objects_have_docstrings(self, name):
        """Every exported class and function explains itself."""
        value = getattr(tt, name)

        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name} has no docstring"
            assert value.__doc__.strip()
        else:
            assert name.isupper(), f"{name} is neither a class, a function nor a constant"

    def test_exception_tree(self):
        """Every exception derives from ThreetalkError; InvalidInput is also a ValueError."""
        tree = {
            tt.Refused: tt.ThreetalkError,
            tt.InvalidInput: ValueError,
            tt.UnknownParticipant: tt.InvalidInput,
            tt.TamperedLog: tt.ThreetalkError,
            tt.InvalidProtocol: tt.ThreetalkError,
        }

        found = {child: issubclass(child, parent) for child, parent in tree.items()}

        assert all(found.values())
        assert issubclass(tt.InvalidInput, tt.ThreetalkError)


class TestImportWeight:
    def test_import_stays_light(self):
        """Importing threetalk pulls in none of the heavy analysis libraries."""
        code = (
            "import sys, threetalk; "
            f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
        )

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert out.stdout.strip() == ""

    def test_subprocess_can_see_threetalk(self):
        """The subprocess check above really imports threetalk (so it could fail)."""
        code = "import sys, threetalk; print('threetalk' in sys.modules)"

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert out.stdout.strip() == "True"


class TestLookupsById:
    """``participant(id)`` and ``option(id)`` give back the very objects the commands did."""

    def test_participant_and_option_by_id(self):
        scene = build(StepClock(), "options")
        conv = scene.conv
        assert conv.participant(scene.client.id) is scene.client
        assert conv.option(scene.wait.id) is scene.wait
        assert conv.option(scene.days.id) is scene.days

    def test_a_withdrawn_option_is_still_found(self):
        scene = build(StepClock(), "decision")
        scene.conv.withdraw_option(scene.days, "Too far to travel", by=scene.client)
        assert scene.conv.option(scene.days.id) is scene.days

    @pytest.mark.parametrize("unknown", ["o9", "p1", "", None, 3])
    def test_an_unknown_option_id_is_invalid_input(self, unknown):
        conv = tt.Conversation()
        with pytest.raises(tt.InvalidInput, match="option_id") as caught:
            conv.option(unknown)
        assert caught.value.argument == "option_id"


class TestTypingModule:
    """``threetalk.typing``: the protocols users implement or receive, with their own __all__."""

    def test_all_is_sorted_and_exactly_the_public_names(self):
        """__all__ is sorted and lists every public name the module defines, and no other."""
        import threetalk.typing as tt_typing

        defined = {
            name
            for name, value in vars(tt_typing).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == "threetalk.typing"
        }

        assert list(tt_typing.__all__) == sorted(tt_typing.__all__, key=isort_key)
        assert set(tt_typing.__all__) == defined | {"Check"}
        assert {"Check", "ConversationView", "EventSink", "EventStore"} <= defined | {"Check"}

    @pytest.mark.parametrize("name", ["ConversationView", "EventSink", "EventStore"])
    def test_protocols_are_documented(self, name):
        """Every protocol explains itself."""
        import threetalk.typing as tt_typing

        assert inspect.getdoc(getattr(tt_typing, name))

    def test_event_store_matches_the_stores_own(self):
        """typing's EventStore has the members and docs of threetalk.store.EventStore."""
        import threetalk.store
        import threetalk.typing as tt_typing

        def members(cls):
            return {
                name: inspect.getdoc(value)
                for name, value in vars(cls).items()
                if not name.startswith("_")
            }

        assert members(tt_typing.EventStore) == members(threetalk.store.EventStore)

    def test_the_store_module_exports_listing_and_timers(self):
        """threetalk.store's __all__ is sorted, names only what it defines, and has the
        values of conversations() and due(); the concrete stores have both, the
        EventStore protocol neither."""
        from threetalk import store

        names = list(store.__all__)
        assert names == sorted(names, key=isort_key)
        assert all(hasattr(store, name) for name in names)
        assert {"ConversationInfo", "DueItem"} <= set(names)
        for value in (store.ConversationInfo, store.DueItem):
            assert inspect.getdoc(value)
        for kind in (store.MemoryStore, store.SQLiteStore, store.PostgresStore):
            assert callable(kind.conversations)
            assert callable(kind.due)
        assert not hasattr(store.EventStore, "conversations")
        assert not hasattr(store.EventStore, "due")

    def test_the_conversation_uses_typings_event_sink(self):
        """EventSink is defined once, in threetalk.typing."""
        import threetalk._conversation
        import threetalk.typing as tt_typing

        assert threetalk._conversation.EventSink is tt_typing.EventSink


class TestPackageData:
    """The data files ship inside the package (the wheel takes ``src/threetalk`` whole) and
    are read through ``importlib.resources``, never by a path beside the source."""

    def test_a_prompt_catalogue_per_built_in_protocol(self):
        """``threetalk/prompts`` holds one TOML catalogue per built-in protocol, each of
        which parses."""
        folder = importlib.resources.files("threetalk").joinpath("prompts")
        found = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".toml"))

        assert found == sorted(f"{name}.toml" for name in tt.builtin_protocols())
        for name in found:
            assert tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))

    def test_the_message_catalogue(self):
        """``threetalk/catalogues/messages.toml`` is there and parses."""
        catalogue = importlib.resources.files("threetalk").joinpath("catalogues", "messages.toml")

        assert tomllib.loads(catalogue.read_text(encoding="utf-8"))

    @pytest.mark.parametrize(
        ("name", "loaded"),
        [
            ("event", event_schema),
            ("snapshot", tt.snapshot_schema),
            ("refusal", tt.refusal_schema),
        ],
    )
    def test_the_json_schemas(self, name, loaded):
        """``threetalk/schemas/<name>.schema.json`` is there, is JSON, and is what the
        package's own function returns."""
        path = importlib.resources.files("threetalk").joinpath("schemas", f"{name}.schema.json")

        schema = json.loads(path.read_text(encoding="utf-8"))

        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema == loaded()
