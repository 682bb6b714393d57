"""The conversation as rules see it: ``threetalk.typing.ConversationView``."""

from __future__ import annotations

import inspect
from types import MappingProxyType

import attrs
import pytest
from hypothesis import given

import threetalk as tt
from scenarios import STAGES, advance, build, scripted
from threetalk.typing import ConversationView

P = tt.Phase

#: Every member the protocol declares (properties and methods), as the docs list them.
MEMBERS = sorted(
    name
    for name, value in vars(ConversationView).items()
    if not name.startswith("_") and (isinstance(value, property) or inspect.isfunction(value))
)


@attrs.frozen
class SnapshotView:
    """A view that is not a conversation: what a snapshot holds, through the view's names.

    The built-in rules must give the same answers on it as on the conversation, which they
    can only do if they read nothing but the view.
    """

    snap: tt.Snapshot

    @property
    def id(self) -> str:
        return self.snap.conversation_id

    @property
    def phase(self) -> tt.Phase:
        return self.snap.phase

    @property
    def participants(self) -> tuple[tt.Participant, ...]:
        return self.snap.participants

    @property
    def options(self) -> tuple[tt.Option, ...]:
        return tuple(item.option for item in self.snap.options)

    @property
    def option_states(self) -> tuple[tt.OptionState, ...]:
        return self.snap.options

    @property
    def topics(self) -> tuple[tt.Statement, ...]:
        return self.snap.topics

    @property
    def problem(self) -> tt.Statement | None:
        return self.snap.problem

    @property
    def goals(self) -> tuple[tt.Statement, ...]:
        return self.snap.goals

    @property
    def concerns(self) -> tuple[tt.Statement, ...]:
        return self.snap.concerns

    @property
    def preferences(self) -> MappingProxyType[str, str | None]:
        return MappingProxyType(dict(self.snap.preferences))

    @property
    def delegations(self) -> MappingProxyType[str, str]:
        return MappingProxyType(dict(self.snap.delegations))

    @property
    def proposal(self) -> tt.Proposal | None:
        return self.snap.proposal

    @property
    def decision(self) -> tt.Decision | None:
        return self.snap.decision

    @property
    def evaluations(self) -> tuple[tt.Evaluation, ...]:
        return self.snap.evaluations

    @property
    def sitting(self) -> int:
        return self.snap.sitting

    @property
    def role_preferences(self) -> MappingProxyType[str, tt.DecisionRole]:
        return MappingProxyType(dict(self.snap.role_preferences))

    @property
    def sure_checks(self) -> MappingProxyType[str, tt.SureCheck]:
        return MappingProxyType({check.by: check for check in self.snap.sure_checks})

    @property
    def understanding(self) -> MappingProxyType[str, tt.UnderstandingCheck]:
        return MappingProxyType({check.of: check for check in self.snap.understanding})

    @property
    def analysis(self) -> tuple[tt.AnalysisEntry, ...]:
        return self.snap.analysis

    @property
    def information(self) -> tuple[tt.SharedInformation, ...]:
        return self.snap.information

    @property
    def questions(self) -> tuple[tt.QuestionState, ...]:
        return self.snap.questions

    @property
    def decision_option(self) -> tt.Option | None:
        if self.snap.proposal is not None:
            return self.snap.proposal.option
        return None if self.snap.decision is None else self.snap.decision.option

    def participant(self, participant_id: str) -> tt.Participant:
        (found,) = [p for p in self.snap.participants if p.id == participant_id]
        return found

    def snapshot(self) -> tt.Snapshot:
        return self.snap


def view_values(view: ConversationView) -> dict[str, object]:
    """Every property of ``view``, mappings as plain dicts."""
    found: dict[str, object] = {}
    for name in MEMBERS:
        if isinstance(getattr(ConversationView, name), property):
            value = getattr(view, name)
            mappings = {
                "preferences",
                "delegations",
                "role_preferences",
                "sure_checks",
                "understanding",
            }
            found[name] = dict(value) if name in mappings else value
    return found


def agrees_with_snapshot(scene, _command, _error):
    """The view says what the snapshot says, and the rules read it alone."""
    conv = scene.conv
    snap = conv.snapshot()
    detached = SnapshotView(snap)

    assert view_values(conv) == view_values(detached)
    rules = {rule for rules in conv.protocol.entry_rules.values() for rule in rules}
    rules.update(conv.protocol.decision_rules)
    for rule in rules:
        assert rule.check(detached) == rule.check(conv), rule.code


class TestTheConversationIsAView:
    def test_members(self):
        """The protocol names what rules look at, and the conversation has every member."""
        missing = [name for name in MEMBERS if not hasattr(tt.Conversation, name)]

        assert missing == []
        assert {"participants", "option_states", "goals", "preferences", "phase"} <= set(MEMBERS)

    def test_members_are_documented(self):
        """Every member of the view and of the conversation's view explains itself."""
        undocumented = [
            name
            for name in MEMBERS
            if not inspect.getdoc(getattr(ConversationView, name))
            or not inspect.getdoc(getattr(tt.Conversation, name))
        ]

        assert undocumented == []

    @pytest.mark.parametrize("stage", STAGES)
    def test_agrees_with_the_snapshot(self, clock, stage):
        """At every stage of a conversation, the view holds what its snapshot holds."""
        scene = build(clock, stage)

        agrees_with_snapshot(scene, None, None)

    @given(scripted(agrees_with_snapshot))
    def test_agrees_with_the_snapshot_after_any_command(self, scene):
        """After every command of any script (refused ones too), view and snapshot agree."""
        agrees_with_snapshot(scene, None, None)


class TestNothingIsCopiedPerRead:
    @pytest.mark.parametrize("name", [name for name in MEMBERS if name != "snapshot"])
    def test_the_same_object_twice(self, clock, name):
        """Reading a property twice gives the very same object: nothing is built per read."""
        conv = build(clock, "evaluation").conv

        value = getattr(conv, name)

        if not callable(value):
            assert getattr(conv, name) is value

    def test_tuples_held_do_not_change(self, clock):
        """A tuple read earlier stays as it was; the next read after a change is a new one."""
        scene = build(clock, "options")
        conv = scene.conv
        before = conv.option_states, conv.goals, conv.participants, conv.options

        conv.add_consideration(scene.wait, tt.Stance.CON, "Nothing changes", by=scene.client)
        scene.conv.join("Latecomer", tt.Role.RELATIVE)

        assert len(before[0][0].considerations) == 1
        assert len(conv.option_states[0].considerations) == 2
        assert conv.goals is before[1]
        assert len(conv.participants) == len(before[2]) + 1
        assert conv.options is before[3]

    def test_statements_appended_after_a_read(self, clock):
        """Goals added after the goals were read show up in the next read, in order."""
        scene = build(clock, "team")
        conv = scene.conv
        conv.add_goal("First", by=scene.client)
        first = conv.goals

        conv.add_goal("Second", by=scene.client)
        conv.add_goal("Third", by=scene.relative)

        assert [goal.text for goal in first] == ["First"]
        assert [goal.text for goal in conv.goals] == ["First", "Second", "Third"]
        assert conv.goals is conv.goals

    def test_mappings_are_read_only_and_current(self, clock):
        """Preferences cannot be changed through the view, and show later statements."""
        scene = build(clock, "decision")
        preferences = scene.conv.preferences

        with pytest.raises(TypeError):
            preferences["p1"] = None  # type: ignore[index]
        advance(scene, "preferences")

        assert preferences == {scene.client.id: scene.wait.id, scene.relative.id: None}


class TestRulesOnTheView:
    def test_a_rule_reads_the_view(self, clock):
        """A rule written against the view blocks and explains a move like a built-in one."""

        def needs_concern(view: ConversationView) -> str | None:
            return None if view.concerns else "Option talk starts once a worry was heard."

        base = tt.three_talk()
        entry = dict(base.entry_rules)
        entry[P.OPTION_TALK] = (*entry[P.OPTION_TALK], tt.Rule("needs-concern", "", needs_concern))
        scene = build(clock, "team", protocol=attrs.evolve(base, name="careful", entry_rules=entry))
        scene.conv.state_problem("Progress has stalled", by=scene.pro)
        scene.conv.add_goal("Walk to the shop", by=scene.client)

        codes = [reason.code for reason in scene.conv.why_not(P.OPTION_TALK)]
        scene.conv.add_concern("Money", by=scene.relative)

        assert codes == ["needs-concern"]
        assert scene.conv.can_move_to(P.OPTION_TALK)

    def test_a_check_receives_the_conversation_itself(self, clock):
        """At run time a check gets the conversation, so rules written for it keep working."""
        received = []

        def spy(conversation: ConversationView) -> str | None:
            received.append(conversation)
            return None if conversation.snapshot().goals else "No goal yet."

        base = tt.three_talk()
        entry = dict(base.entry_rules)
        entry[P.OPTION_TALK] = (tt.Rule("spy", "", spy),)
        scene = build(clock, "team", protocol=attrs.evolve(base, name="spied", entry_rules=entry))

        reasons = scene.conv.why_not(P.OPTION_TALK)

        assert [reason.message for reason in reasons] == ["No goal yet."]
        assert received == [scene.conv]
