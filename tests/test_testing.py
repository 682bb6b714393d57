"""Tests of ``threetalk.testing``: the capture, the strategies and the stateful machine."""

from __future__ import annotations

import collections
import contextlib
import subprocess
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import Phase as Stage
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import threetalk as tt
from strategies import (
    TODAY,
    analysis_kinds,
    bad_flags,
    bad_values,
    dates_from,
    decision_roles,
    information_kinds,
    names,
    roles,
    sources,
    stances,
    texts,
)
from threetalk import _advisories, _guards, _refusals, _state
from threetalk._protocols import OPTIONAL_COMMANDS
from threetalk.testing import (
    ConversationStateMachine,
    Disagreement,
    ReferenceModel,
    StepClock,
    capture,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Enough runs to meet a planted bug, without shrinking (which takes long and adds nothing).
HUNT = settings(
    max_examples=400,
    stateful_step_count=50,
    phases=[Stage.generate],
    database=None,
    report_multiple_bugs=False,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    deadline=None,
)


def _conversation() -> tt.Conversation:
    return tt.Conversation(conversation_id="c", clock=StepClock())


def _hunt(machine: type[ConversationStateMachine]) -> None:
    run_state_machine_as_test(machine, settings=HUNT)


@contextlib.contextmanager
def capture_refusals() -> Iterator[collections.Counter[str]]:
    """Count the reason codes of every refusal recorded while the block runs."""
    codes: collections.Counter[str] = collections.Counter()
    original = tt.Conversation._refuse

    def counting(self, *args, **kwargs):
        reasons = args[4] if len(args) > 4 else kwargs["reasons"]
        codes.update(reason.code for reason in reasons)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tt.Conversation, "_refuse", counting)
        yield codes


class TestCapture:
    def test_keeps_events_from_now_on(self):
        """A capture keeps the events recorded after it started, not those before."""
        conv = _conversation()
        conv.join("Client", tt.Role.CLIENT)
        captured = capture(conv)

        conv.join("Coach", tt.Role.PROFESSIONAL)

        assert captured.kinds == ["joined"]
        assert captured.events == list(conv.events[-1:])

    def test_refusals(self):
        """Refusals are listed with the codes of their reasons."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        captured = capture(conv)

        with pytest.raises(tt.Refused):
            conv.move_to(tt.Phase.TEAM_TALK, by=client)

        assert [event.kind for event in captured.refusals] == ["refused"]
        assert captured.refusal_codes == ["needs-client-and-professional"]

    def test_advisories(self):
        """Advisories are listed with their rules."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        coach = conv.join("Coach", tt.Role.PROFESSIONAL)
        captured = capture(conv)

        conv.move_to(tt.Phase.TEAM_TALK, by=coach)
        conv.state_problem("Stuck", by=coach)
        conv.add_goal("Work", by=client)
        conv.move_to(tt.Phase.OPTION_TALK, by=coach)
        conv.propose_option("Course", by=coach)

        assert captured.advisory_rules == ["A1"]
        assert len(captured.advisories) == 1

    def test_stop_and_context_manager(self):
        """Leaving the ``with`` block stops the capture; stopping twice is harmless."""
        conv = _conversation()

        with capture(conv) as captured:
            conv.join("Client", tt.Role.CLIENT)
        conv.join("Coach", tt.Role.PROFESSIONAL)
        captured.stop()

        assert captured.kinds == ["joined"]

    def test_clear(self):
        """``clear`` forgets what was captured and keeps listening."""
        conv = _conversation()
        captured = capture(conv)
        conv.join("Client", tt.Role.CLIENT)

        captured.clear()
        conv.join("Coach", tt.Role.PROFESSIONAL)

        assert captured.kinds == ["joined"]


class TestStrategies:
    @given(text=texts())
    def test_texts_are_accepted(self, text):
        """Every drawn text is taken as a topic."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)

        conv.add_topic(text, by=client)

        assert conv.snapshot().topics[-1].text == text.strip()

    @given(value=bad_values())
    def test_bad_values_are_rejected_and_change_nothing(self, value):
        """No drawn garbage is taken as text, a role or a date, and nothing is recorded."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        before, count = conv.snapshot(), len(conv.events)

        with pytest.raises(tt.InvalidInput):
            conv.add_topic(value, by=client)
        with pytest.raises(tt.InvalidInput):
            conv.join("Someone", value)
        with pytest.raises(tt.InvalidInput):
            conv.pause(value, "Time to think", by=client)

        assert conv.snapshot() == before
        assert len(conv.events) == count

    @given(day=st.dates(max_value=date(9000, 1, 1)), drawn=st.data())
    def test_dates_from_stay_on_or_after_the_day(self, day, drawn):
        """``dates_from(day)`` never draws a day before ``day``."""
        value = drawn.draw(dates_from(day, days=10))

        assert day <= value <= day + timedelta(days=10)

    @given(day=dates_from(TODAY))
    def test_dates_from_today_are_accepted(self, day):
        """A date from today on is a valid pause date."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)

        conv.pause(day, "Time to think", by=client)

        assert conv.snapshot().paused_until == day

    @given(name=names(), role=roles())
    def test_names_and_roles_are_accepted(self, name, role):
        """Every drawn name and role can join."""
        conv = _conversation()

        person = conv.join(name, role)

        assert (person.name, person.role) == (name, role)

    @given(stance=stances(), text=texts())
    def test_stances_are_accepted(self, stance, text):
        """A consideration takes every drawn stance."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        coach = conv.join("Coach", tt.Role.PROFESSIONAL)
        conv.move_to(tt.Phase.TEAM_TALK, by=coach)
        conv.state_problem("Stuck", by=coach)
        conv.add_goal("Work", by=client)
        conv.move_to(tt.Phase.OPTION_TALK, by=coach)
        option = conv.propose_option("Course", by=client)

        conv.add_consideration(option, stance, text, by=client)

        assert conv.option_state(option).considerations[-1].stance is stance

    @given(preference=decision_roles(), kind=analysis_kinds(), information=information_kinds())
    def test_the_acts_take_every_drawn_kind(self, preference, kind, information):
        """Role preferences, analysis entries and information take every drawn member."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        coach = conv.join("Coach", tt.Role.PROFESSIONAL)
        conv.state_role_preference(preference, by=client)
        conv.move_to(tt.Phase.TEAM_TALK, by=coach)
        conv.add_analysis(kind, "Seen", by=coach)
        conv.state_problem("Stuck", by=coach)
        conv.add_goal("Work", by=client)
        conv.move_to(tt.Phase.OPTION_TALK, by=coach)

        conv.share_information("A leaflet", kind=information, by=coach)

        assert conv.role_preferences[client.id] is preference
        assert conv.analysis[-1].kind is kind
        assert conv.information[-1].kind is information

    @given(source=sources(), obligation=st.none() | texts())
    def test_sources_go_with_an_obligation_only_from_the_law(self, source, obligation):
        """A drawn source is accepted exactly when it and ``obligation`` go together."""
        conv = tt.Conversation(tt.work_and_income(), conversation_id="c", clock=StepClock())
        client = conv.join("Client", tt.Role.CLIENT)
        coach = conv.join("Coach", tt.Role.PROFESSIONAL)
        conv.move_to(tt.Phase.TEAM_TALK, by=coach)
        conv.state_problem("Stuck", by=coach)
        conv.add_goal("Work", by=client)
        conv.move_to(tt.Phase.OPTION_TALK, by=coach)
        fits = (source is tt.Source.OBLIGATION) == (obligation is not None)

        if fits:
            option = conv.propose_option("Course", source=source, obligation=obligation, by=coach)
            assert option.source is source
        else:
            with pytest.raises(tt.InvalidInput) as caught:
                conv.propose_option("Course", source=source, obligation=obligation, by=coach)
            assert caught.value.argument in {"source", "obligation"}

    @given(value=bad_flags())
    def test_bad_flags_are_no_answer_and_change_nothing(self, value):
        """No drawn stand-in for True or False is taken as a SURE answer."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        before, count = conv.snapshot(), len(conv.events)

        with pytest.raises(tt.InvalidInput) as caught:
            conv.check_conflict(
                sure=True, informed=value, values_clear=True, supported=True, by=client
            )

        assert caught.value.argument == "informed"
        assert (conv.snapshot(), len(conv.events)) == (before, count)


class TestReferenceModel:
    def test_fresh_model_matches_fresh_conversation(self):
        """A new model allows the moves a new conversation allows: none."""
        conv = _conversation()

        model = ReferenceModel(tt.three_talk(), conv.id, TODAY, conv)

        assert model.allowed_moves() == conv.allowed_moves() == frozenset()

    def test_model_knows_why_not(self):
        """The model names the entry rule an empty conversation misses."""
        conv = _conversation()
        model = ReferenceModel(tt.three_talk(), conv.id, TODAY, conv)

        unmet = model.unmet_entry(tt.Phase.TEAM_TALK)

        assert unmet == {"needs-client-and-professional"}

    def test_malformed_arguments_are_invalid(self):
        """The model calls a blank text or a stranger invalid input."""
        conv = _conversation()
        client = conv.join("Client", tt.Role.CLIENT)
        model = ReferenceModel(tt.three_talk(), conv.id, TODAY, conv)
        stranger = tt.Participant("p9", "Stranger", tt.Role.CLIENT, conv.id)

        blank = model.expect_say("add_topic", "  ", client)
        foreign = model.expect_resume(stranger)

        assert blank.outcomes == foreign.outcomes == {"invalid"}


class TestConversationStateMachine:
    def test_passes_on_three_talk(self):
        """The machine finds nothing wrong with a short run of the default protocol."""
        run_state_machine_as_test(
            ConversationStateMachine,
            settings=settings(max_examples=5, stateful_step_count=20, database=None),
        )

    def test_trusts_rules_it_does_not_know(self):
        """A protocol with a rule of its own still passes: the model asks that rule."""

        def needs_concern(conversation):
            return None if conversation.snapshot().concerns else "Name a worry first."

        rule = tt.Rule("needs-a-concern", "", needs_concern)
        base = tt.three_talk()
        entry = dict(base.entry_rules)
        entry[tt.Phase.OPTION_TALK] = (*entry[tt.Phase.OPTION_TALK], rule)

        class Worried(ConversationStateMachine):
            protocol = attrs.evolve(base, name="worried", entry_rules=entry)

        run_state_machine_as_test(
            Worried, settings=settings(max_examples=10, stateful_step_count=30, database=None)
        )

    def test_passes_on_a_protocol_that_leaves_the_acts_out(self):
        """A protocol that does not offer the acts of the guides passes: each act is
        refused as not offered, and the model expects exactly that."""
        base = tt.three_talk()
        placement = {
            command: phases
            for command, phases in base.placement.items()
            if command not in OPTIONAL_COMMANDS
        }

        class Plain(ConversationStateMachine):
            protocol = attrs.evolve(base, name="plain", placement=placement)

        with capture_refusals() as codes:
            run_state_machine_as_test(
                Plain, settings=settings(max_examples=10, stateful_step_count=30, database=None)
            )

        assert "not-offered" in codes

    def test_catches_a_buggy_entry_rule(self):
        """A protocol whose R3 rule counts one option as enough is caught."""

        def one_is_enough(conversation):
            return None if conversation.options else "Deciding needs an option."

        sloppy = tt.Rule("needs-two-options", "R3", one_is_enough)
        base = tt.three_talk()
        entry = dict(base.entry_rules)
        entry[tt.Phase.DECISION_TALK] = (sloppy, _guards.CONSIDERED_OPTIONS)

        class Sloppy(ConversationStateMachine):
            protocol = attrs.evolve(
                base,
                name="sloppy",
                entry_rules=entry,
                decision_rules=(sloppy, _guards.CONSIDERED_OPTIONS, _guards.PREFERENCES_STATED),
            )

        with pytest.raises(Disagreement):
            _hunt(Sloppy)

    def test_catches_a_decision_rule_that_forgets_relatives(self):
        """A protocol whose R7 rule asks only clients for a preference is caught."""

        def clients_only(conversation):
            snap = conversation.snapshot()
            stated = dict(snap.preferences)
            silent = [
                person.name
                for person in snap.participants
                if person.role is tt.Role.CLIENT and person.id not in stated
            ]
            return f"{silent} have not said." if silent else None

        forgetful = tt.Rule("missing-preference", "R7", clients_only)
        base = tt.three_talk()

        class Forgetful(ConversationStateMachine):
            protocol = attrs.evolve(
                base,
                name="forgetful",
                decision_rules=(_guards.TWO_OPTIONS, _guards.CONSIDERED_OPTIONS, forgetful),
            )

        with pytest.raises(Disagreement):
            _hunt(Forgetful)

    def test_catches_an_obligation_rule_that_ignores_waivers(self):
        """A work-and-income protocol whose R16 rule counts a waived obligation as open."""

        def unwaived(conversation):
            chosen = conversation.decision_option
            left = [
                item.option.text
                for item in conversation.option_states
                if item.option.is_obligation and (chosen is None or item.option != chosen)
            ]
            return f"{left} are open." if left else None

        blind = tt.Rule("obligation-open", "R16", unwaived)
        base = tt.work_and_income()

        class Blind(ConversationStateMachine):
            protocol = attrs.evolve(
                base,
                name="blind",
                decision_rules=(*base.decision_rules[:-1], blind),
            )

        with pytest.raises(Disagreement):
            _hunt(Blind)

    def test_catches_an_engine_that_lets_a_relative_decline(self, monkeypatch):
        """An engine that lets anyone decline an option is caught (only clients decline)."""
        monkeypatch.delitem(_refusals._ROLES, "decline")

        with pytest.raises(Disagreement):
            _hunt(ConversationStateMachine)

    def test_catches_an_engine_whose_a5_threshold_is_off(self, monkeypatch):
        """An engine that sees decisional conflict only below 3 of 4 (SURE: below 4) is caught."""
        original = _advisories.decisional_conflict

        def lenient(state):
            found = original(state)
            scores = {pid: check.score for pid, check in state.acts.sure_checks.items()}
            return [each for each in found if scores[each[2]] < 3]

        monkeypatch.setattr(_advisories, "decisional_conflict", lenient)

        with pytest.raises(Disagreement):
            _hunt(ConversationStateMachine)

    def test_catches_an_engine_that_keeps_consent_after_an_objection(self, monkeypatch):
        """An engine whose objection leaves the client's consent in place is caught."""
        original = _state._APPLY["objected"]

        def keeps_consent(state, event, engine):
            consents = state.proposal.consents
            original(state, event, engine)
            state.proposal = attrs.evolve(state.proposal, consents=consents)

        monkeypatch.setitem(_state._APPLY, "objected", keeps_consent)

        with pytest.raises(Disagreement):
            _hunt(ConversationStateMachine)


class TestImport:
    def test_threetalk_does_not_import_hypothesis(self):
        """``import threetalk`` leaves Hypothesis unimported; ``threetalk.testing`` needs it."""
        code = "import sys, threetalk; print('hypothesis' in sys.modules)"

        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert result.stdout.strip() == "False"

    def test_capture_and_clock_work_without_hypothesis(self):
        """With Hypothesis blocked, capture, EventCapture and StepClock import and work."""
        code = WITHOUT_HYPOTHESIS + (
            "import threetalk as tt\n"
            "from threetalk.testing import EventCapture, StepClock, capture\n"
            "conv = tt.Conversation(clock=StepClock())\n"
            "with capture(conv) as captured:\n"
            "    conv.join('Client', tt.Role.CLIENT)\n"
            "assert isinstance(captured, EventCapture)\n"
            "print(captured.kinds, 'hypothesis' in sys.modules)\n"
        )

        result = _run(code)

        assert result.stdout.strip() == "['joined'] False"

    @pytest.mark.parametrize("name", ["texts", "bad_values", "ConversationStateMachine"])
    def test_the_parts_that_need_hypothesis_say_what_to_install(self, name):
        """With Hypothesis blocked, using a strategy or the machine says how to install it."""
        code = WITHOUT_HYPOTHESIS + (
            "import threetalk.testing\n"
            "try:\n"
            f"    from threetalk.testing import {name}\n"
            "except ImportError as error:\n"
            "    print(type(error).__name__, error)\n"
        )

        result = _run(code)

        assert result.stdout.startswith("ModuleNotFoundError ")
        assert "pip install 'threetalk[testing]'" in result.stdout

    def test_the_block_really_blocks(self):
        """The blocker used above makes ``import hypothesis`` fail (so those tests can fail)."""
        code = WITHOUT_HYPOTHESIS + (
            "try:\n    import hypothesis\nexcept ImportError as error:\n    print(error)\n"
        )

        result = _run(code)

        assert result.stdout.strip() == "blocked: hypothesis"

    def test_every_exported_name_is_there(self):
        """Every name in ``threetalk.testing.__all__`` resolves, the lazy ones included."""
        import threetalk.testing

        missing = [
            name for name in threetalk.testing.__all__ if not hasattr(threetalk.testing, name)
        ]

        assert missing == []
        assert set(threetalk.testing.__all__) <= set(dir(threetalk.testing))

    def test_an_unknown_name_is_an_attribute_error(self):
        """A name the module does not have is an AttributeError, as for any module."""
        import threetalk.testing

        with pytest.raises(AttributeError, match="no_such_name"):
            threetalk.testing.no_such_name  # noqa: B018 - the lookup is the test


#: Code that makes every import of Hypothesis fail, as if it were not installed.
WITHOUT_HYPOTHESIS = """\
import sys

class BlockHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "hypothesis":
            raise ImportError(f"blocked: {name}")
        return None

sys.meta_path.insert(0, BlockHypothesis())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_today_is_the_clock_day():
    """The machine's clock starts on the day its dates count from."""
    assert StepClock()().date() == TODAY == date(2026, 11, 23)
