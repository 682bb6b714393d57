"""Scenario tests of advisories A1-A4: each fires when it should, never otherwise, never blocks."""

from __future__ import annotations

import threetalk as tt
from scenarios import LATER, advance, attempt, build

P = tt.Phase


def advisory_events(conv: tt.Conversation, code: str | None = None) -> list[tt.Event]:
    """The advisory events of ``conv`` (of one ``code`` when given)."""
    return [
        event
        for event in conv.events
        if event.kind == "advisory" and (code is None or event.data["code"] == code)
    ]


def codes(conv: tt.Conversation) -> list[str]:
    """The codes of every advisory of ``conv``, oldest first."""
    return [advisory.code for advisory in conv.advisories]


class TestAdvisoryEvents:
    def test_advisories_are_system_events(self, clock):
        """Every advisory is an event without actor, listed in conv.advisories with its seq."""
        scene = build(clock, "evaluation")
        scene.conv.pause(LATER, "Later", by=scene.pro)
        scene.conv.resume(by=scene.pro)
        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)
        scene.conv.state_preference(scene.days, by=scene.pro)

        events = advisory_events(scene.conv)

        assert len(events) >= 4
        assert all(event.actor is None for event in events)
        assert [event.seq for event in events] == [a.seq for a in scene.conv.advisories]
        assert [event.data["code"] for event in events] == codes(scene.conv)
        assert {a.rule for a in scene.conv.advisories} == {"A2", "A3", "A4"}

    def test_advisory_follows_its_command(self, clock):
        """An advisory comes right after the accepted command that gave rise to it."""
        scene = build(clock, "option")

        scene.conv.propose_option("Admission", by=scene.pro)

        assert [event.kind for event in scene.conv.events[-2:]] == [
            "option-proposed",
            "advisory",
        ]
        assert scene.conv.events[-1].phase is P.OPTION_TALK


class TestA1:
    def test_professional_first(self, clock):
        """A professional proposing the first option raises A1 naming them; it is still added."""
        scene = build(clock, "option")

        result = attempt(scene.conv, lambda: scene.conv.propose_option("Admission", by=scene.pro))

        assert result.accepted
        assert len(scene.conv.options) == 1
        (advisory,) = [a for a in scene.conv.advisories if a.rule == "A1"]
        assert advisory.code == "professional-proposed-first"
        assert advisory.participant == scene.pro.id

    def test_client_first(self, clock):
        """After a client proposed, a professional's option raises no A1."""
        scene = build(clock, "option")
        scene.conv.propose_option("Wait and see", by=scene.client)

        scene.conv.propose_option("Admission", by=scene.pro)

        assert "professional-proposed-first" not in codes(scene.conv)

    def test_relative_first(self, clock):
        """A relative's option counts as the client side going first."""
        scene = build(clock, "option")
        scene.conv.propose_option("Move in with us", by=scene.relative)

        scene.conv.propose_option("Admission", by=scene.pro)

        assert "professional-proposed-first" not in codes(scene.conv)

    def test_client_proposal_raises_nothing(self, clock):
        """A client proposing an option raises no advisory at all."""
        scene = build(clock, "option")
        count = len(scene.conv.advisories)

        scene.conv.propose_option("Wait and see", by=scene.client)

        assert len(scene.conv.advisories) == count


class TestA2:
    def test_professional_preference_in_option_talk(self, clock):
        """A professional's preference in option talk raises A2, and is still recorded."""
        scene = build(clock, "options")

        result = attempt(scene.conv, lambda: scene.conv.state_preference(scene.days, by=scene.pro))

        assert result.accepted
        assert dict(scene.conv.snapshot().preferences)[scene.pro.id] == scene.days.id
        (advisory,) = [a for a in scene.conv.advisories if a.rule == "A2"]
        assert advisory.code == "professional-preference-early"
        assert advisory.participant == scene.pro.id

    def test_professional_preference_in_decision_talk(self, clock):
        """In decision talk a professional's preference raises no A2."""
        scene = build(clock, "decision")

        scene.conv.state_preference(scene.days, by=scene.pro)

        assert not [a for a in scene.conv.advisories if a.rule == "A2"]

    def test_client_preference_in_option_talk(self, clock):
        """A client's preference in option talk raises no A2."""
        scene = build(clock, "options")

        scene.conv.state_preference(scene.wait, by=scene.client)

        assert not [a for a in scene.conv.advisories if a.rule == "A2"]


class TestA3:
    def test_silent_participant_named(self, clock):
        """Leaving team talk where the relative said nothing raises A3 naming the relative."""
        scene = build(clock, "option")

        silent = [a for a in scene.conv.advisories if a.rule == "A3"]

        assert [a.participant for a in silent] == [scene.relative.id]
        assert silent[0].code == "silent-participant"
        assert "Partner" in silent[0].message

    def test_one_advisory_per_silent_participant(self, clock):
        """Every silent participant gets their own advisory."""
        scene = build(clock, "options")
        scene.conv.move_to(P.TEAM_TALK, by=scene.pro)
        count = len(scene.conv.advisories)

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        new = scene.conv.advisories[count:]
        assert sorted(a.participant for a in new) == sorted([scene.client.id, scene.relative.id])
        assert all(a.rule == "A3" for a in new)

    def test_everyone_contributed(self, clock):
        """When everyone did something in the phase, no A3 is raised."""
        scene = build(clock, "team")
        scene.conv.state_problem("Stalled", by=scene.pro)
        scene.conv.add_goal("Walk", by=scene.client)
        scene.conv.add_concern("Money", by=scene.relative)
        count = len(scene.conv.advisories)

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        assert scene.conv.advisories[count:] == ()

    def test_joining_counts(self, clock):
        """Someone who joined during the phase has contributed to it."""
        scene = build(clock, "team", relative=False)
        scene.conv.state_problem("Stalled", by=scene.pro)
        scene.conv.add_goal("Walk", by=scene.client)
        late = scene.conv.join("Sister", tt.Role.RELATIVE)
        count = len(scene.conv.advisories)

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        assert late.id not in [a.participant for a in scene.conv.advisories[count:]]
        assert scene.conv.advisories[count:] == ()

    def test_refusal_is_no_contribution(self, clock):
        """A refused command does not count as contributing."""
        scene = build(clock, "team")
        scene.conv.state_problem("Stalled", by=scene.pro)
        scene.conv.add_goal("Walk", by=scene.client)
        attempt(scene.conv, lambda: scene.conv.consent(by=scene.relative))
        count = len(scene.conv.advisories)

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        assert [a.participant for a in scene.conv.advisories[count:]] == [scene.relative.id]

    def test_contribution_counts_per_visit(self, clock):
        """What someone did in an earlier visit of the phase does not count for this one."""
        scene = build(clock, "team")
        scene.conv.state_problem("Stalled", by=scene.pro)
        scene.conv.add_goal("Walk", by=scene.client)
        scene.conv.add_concern("Money", by=scene.relative)
        advance(scene, "option")  # states the problem again and moves on
        scene.conv.move_to(P.TEAM_TALK, by=scene.pro)
        scene.conv.state_problem("Stalled again", by=scene.pro)
        count = len(scene.conv.advisories)

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        new = {a.participant for a in scene.conv.advisories[count:]}
        assert new == {scene.client.id, scene.relative.id}

    def test_fires_only_on_move(self, clock):
        """Pausing and closing raise no A3."""
        scene = build(clock, "team")
        count = len(scene.conv.advisories)

        scene.conv.pause(LATER, "Think", by=scene.pro)
        scene.conv.resume(by=scene.pro)
        scene.conv.close(by=scene.pro)

        assert scene.conv.advisories[count:] == ()

    def test_mover_is_not_silent(self, clock):
        """The participant who moves on has acted in the phase."""
        scene = build(clock, "team")
        count = len(scene.conv.advisories)

        scene.conv.state_problem("Stalled", by=scene.client)
        scene.conv.add_goal("Walk", by=scene.client)
        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        assert scene.pro.id not in [a.participant for a in scene.conv.advisories[count:]]
        assert scene.relative.id in [a.participant for a in scene.conv.advisories[count:]]


class TestA4:
    def test_decision_in_same_sitting(self, clock):
        """A decision made in the sitting where the first option was proposed raises A4."""
        scene = build(clock, "decided")

        found = [a for a in scene.conv.advisories if a.rule == "A4"]

        assert [a.code for a in found] == ["no-pause-before-decision"]
        assert found[0].participant is None
        assert scene.conv.decision is not None

    def test_decision_after_pause(self, clock):
        """A pause between listing the options and deciding: no A4."""
        scene = build(clock, "proposed")
        scene.conv.pause(LATER, "Sleep on it", by=scene.client)
        scene.conv.resume(by=scene.client)

        scene.conv.consent(by=scene.client)

        assert scene.conv.decision is not None
        assert not [a for a in scene.conv.advisories if a.rule == "A4"]

    def test_pause_before_options_does_not_count(self, clock):
        """A pause before the first option was proposed is not time to deliberate."""
        scene = build(clock, "option")
        scene.conv.pause(LATER, "Think", by=scene.client)
        scene.conv.resume(by=scene.client)
        advance(scene, "options", "decision", "preferences", "proposed")

        scene.conv.consent(by=scene.client)

        assert [a.rule for a in scene.conv.advisories].count("A4") == 1

    def test_delegated_decision_in_same_sitting(self, clock):
        """A delegated decision final at once in the first sitting raises A4 too."""
        scene = build(clock, "preferences")
        scene.conv.delegate(scene.pro, by=scene.client)

        scene.propose()

        assert scene.conv.decision is not None
        assert scene.conv.decision.how is tt.Decided.DELEGATED
        assert [a.rule for a in scene.conv.advisories].count("A4") == 1

    def test_no_a4_without_decision(self, clock):
        """A proposal alone raises no A4."""
        scene = build(clock, "proposed")

        found = [a for a in scene.conv.advisories if a.rule == "A4"]

        assert found == []
