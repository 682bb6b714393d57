"""Protocols: checked when built, fingerprinted, and adaptable end to end."""

from __future__ import annotations

import os
import subprocess
import sys

import attrs
import pytest

import threetalk as tt
from scenarios import advance, attempt, build

P = tt.Phase
TALKS = (P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK, P.EVALUATION)


def _ok(_conversation: tt.Conversation) -> str | None:
    return None


def _evolve(**changes):
    return attrs.evolve(tt.three_talk(), **changes)


def _problems(**changes) -> tuple[str, ...]:
    with pytest.raises(tt.InvalidProtocol) as info:
        _evolve(**changes)
    return info.value.problems


def _moves_without(*dropped: tuple[tt.Phase, tt.Phase]) -> frozenset:
    return frozenset(move for move in tt.three_talk().moves if move not in dropped)


class TestInvalidProtocol:
    def test_unreachable_phase(self):
        """A phase that no move reaches from the start is named."""
        moves = _moves_without(*((src, P.EVALUATION) for src in TALKS))

        problems = _problems(moves=moves)

        assert any("EVALUATION cannot be reached" in problem for problem in problems)

    def test_trap_phase(self):
        """A phase with no way out is a trap."""
        moves = _moves_without(*((P.EVALUATION, to) for to in TALKS))

        problems = _problems(moves=moves)

        assert any("EVALUATION is a trap" in problem for problem in problems)

    @pytest.mark.parametrize("special", [P.PAUSED, P.CLOSED])
    def test_move_via_paused_or_closed(self, special):
        """PAUSED and CLOSED are reached through pause() and close(), never by a move."""
        moves = tt.three_talk().moves | {(P.TEAM_TALK, special)}

        problems = _problems(moves=moves)

        assert any(
            special.name in problem and "pause() or close()" in problem for problem in problems
        )

    def test_non_callable_check(self):
        """A rule whose check cannot be called is named."""
        rules = {**tt.three_talk().entry_rules, P.TEAM_TALK: (tt.Rule("odd-rule", "", 42),)}

        problems = _problems(entry_rules=rules)

        assert any("'odd-rule' is not callable" in problem for problem in problems)

    @pytest.mark.parametrize(
        "code", ["Not_Kebab", "two words", "-leading", "trailing-", "", "UPPER"]
    )
    def test_non_kebab_code(self, code):
        """Rule codes must be kebab-case."""
        problems = _problems(decision_rules=(tt.Rule(code, "", _ok),))

        assert any("not kebab-case" in problem for problem in problems)

    def test_duplicate_code(self):
        """The same code twice among the rules of one phase is named."""
        rule = tt.Rule("twice-here", "", _ok)
        rules = {**tt.three_talk().entry_rules, P.OPTION_TALK: (rule, rule)}

        problems = _problems(entry_rules=rules)

        assert any("'twice-here' appears twice" in problem for problem in problems)

    def test_unknown_placement_command(self):
        """Placement of a command that does not exist is named."""
        placement = {**tt.three_talk().placement, "dance": {P.TEAM_TALK}}

        problems = _problems(placement=placement)

        assert any("'dance'" in problem for problem in problems)

    @pytest.mark.parametrize(
        "command", [c for c in tt.PLACED_COMMANDS if c not in tt.OPTIONAL_COMMANDS]
    )
    def test_missing_placement(self, command):
        """Every placed command but the guides' optional acts must be placed somewhere."""
        placement = {
            name: where for name, where in tt.three_talk().placement.items() if name != command
        }

        problems = _problems(placement=placement)

        assert problems == (f"placement does not say where {command} belongs",)

    @pytest.mark.parametrize("command", sorted(tt.OPTIONAL_COMMANDS))
    def test_an_optional_act_may_be_left_out(self, command, clock):
        """A protocol written before the acts of the guides stays valid and refuses them."""
        placement = {
            name: where for name, where in tt.three_talk().placement.items() if name != command
        }
        protocol = attrs.evolve(tt.three_talk(), name="older", placement=placement)
        scene = build(clock, "options", protocol=protocol)

        reasons = scene.conv.why_not_command(command, by=scene.client)

        assert [reason.code for reason in reasons] == ["not-offered"]
        assert "older" in reasons[0].message
        assert "older" in reasons[0].text("nl")
        assert command not in scene.conv.allowed_commands(by=scene.client)
        assert command not in scene.conv.allowed_commands(by=scene.pro)

    def test_placement_in_unknown_phase(self):
        """A command placed in a phase that is not part of the protocol is named."""
        placement = {**tt.three_talk().placement, "evaluate": {P.PAUSED}}

        problems = _problems(placement=placement)

        assert any("evaluate" in problem and "PAUSED" in problem for problem in problems)

    def test_entry_rules_for_unreached_phase(self):
        """Entry rules of a phase no move reaches are named."""
        rules = {**tt.three_talk().entry_rules, P.CLOSED: ()}

        problems = _problems(entry_rules=rules)

        assert any("CLOSED" in problem for problem in problems)

    @pytest.mark.parametrize(
        "changes",
        [
            {"name": "  "},
            {"initial": P.PAUSED},
            {"allows_imposition": "yes"},
            {"decision_rules": ("not a rule",)},
        ],
    )
    def test_other_problems(self, changes):
        """A blank name, a paused start, a non-bool flag or a non-rule is refused."""
        problems = _problems(**changes)

        assert len(problems) >= 1

    def test_every_problem_at_once(self):
        """All problems are reported together, in the message too."""
        placement = {**tt.three_talk().placement, "dance": {P.TEAM_TALK}}
        del placement["evaluate"]

        with pytest.raises(tt.InvalidProtocol) as info:
            _evolve(placement=placement, decision_rules=(tt.Rule("Bad Code", "", _ok),))

        assert len(info.value.problems) == 3
        assert all(problem in str(info.value) for problem in info.value.problems)


class TestFingerprint:
    def test_stable(self):
        """Building the same protocol twice gives the same fingerprint, equal protocols."""
        again = _evolve()

        assert again.fingerprint == tt.three_talk().fingerprint
        assert again == tt.three_talk()
        assert len(again.fingerprint) == 64
        assert int(again.fingerprint, 16) >= 0

    def test_stable_across_processes(self):
        """The fingerprint does not depend on hash randomisation."""
        code = "import threetalk as tt; print(tt.three_talk().fingerprint)"
        env = {**os.environ, "PYTHONHASHSEED": "12345"}

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )

        assert out.stdout.strip() == tt.three_talk().fingerprint

    @pytest.mark.parametrize(
        "changes",
        [
            {"name": "mine"},
            {"allows_imposition": True},
            {"decision_rules": tt.three_talk().decision_rules[:-1]},
            {
                "entry_rules": {
                    **tt.three_talk().entry_rules,
                    P.TEAM_TALK: (tt.Rule("my-rule", "", _ok),),
                }
            },
            {"moves": _moves_without((P.EVALUATION, P.TEAM_TALK))},
            {"placement": {**tt.three_talk().placement, "add_topic": {P.TEAM_TALK}}},
        ],
    )
    def test_differs_when_rules_differ(self, changes):
        """Any change of name, moves, rules, placement or imposition changes the fingerprint."""
        other = _evolve(**changes)

        assert other.fingerprint != tt.three_talk().fingerprint
        assert other != tt.three_talk()

    def test_work_and_income_differs(self):
        """work_and_income() and three_talk() are told apart."""
        assert tt.work_and_income().fingerprint != tt.three_talk().fingerprint


def _has_concern(conversation: tt.Conversation) -> str | None:
    if conversation.snapshot().concerns:
        return None
    return "Decision talk needs at least one worry on record in this service."


def _has_con(conversation: tt.Conversation) -> str | None:
    proposal = conversation.proposal
    if proposal is None:
        return None
    item = conversation.option_state(proposal.option)
    if any(c.stance is tt.Stance.CON for c in item.considerations):
        return None
    return f"{proposal.option.text} needs a con before it is final."


def careful() -> tt.Protocol:
    """three_talk() with an extra entry rule for decision talk."""
    base = tt.three_talk()
    rule = tt.Rule("needs-concern", "", _has_concern)
    return attrs.evolve(
        base,
        name="careful",
        entry_rules={
            **base.entry_rules,
            P.DECISION_TALK: (*base.entry_rules[P.DECISION_TALK], rule),
        },
    )


class TestCustomProtocol:
    def test_extra_entry_rule_refuses(self, clock):
        """The custom entry rule stops decision talk and is reported with its code."""
        scene = build(clock, "options", protocol=careful())

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("needs-concern",)
        assert scene.conv.why_not(P.DECISION_TALK) == result.error.reasons
        assert P.DECISION_TALK not in scene.conv.allowed_moves()

    def test_extra_entry_rule_met(self, clock):
        """With a concern on record, the custom protocol runs to a final decision."""
        scene = build(clock, "team", protocol=careful())
        scene.conv.add_concern("Money is tight", by=scene.relative)
        advance(scene, "option", "options", "decision", "preferences", "proposed", "decided")

        again = tt.replay(scene.conv.events, careful())

        assert scene.conv.decision is not None
        assert again.snapshot() == scene.conv.snapshot()
        assert again.snapshot().protocol == "careful"
        assert scene.conv.events[0].data["fingerprint"] == careful().fingerprint

    def test_custom_events_do_not_replay_as_three_talk(self, clock):
        """Events of the custom protocol are not replayed under three_talk()."""
        scene = build(clock, "team", protocol=careful())

        with pytest.raises(tt.InvalidInput):
            tt.replay(scene.conv.events)

        assert scene.conv.protocol == careful()

    def test_custom_decision_rule(self, clock):
        """A custom decision rule is checked when a decision becomes final."""
        base = tt.three_talk()
        protocol = attrs.evolve(
            base,
            name="cons_first",
            decision_rules=(*base.decision_rules, tt.Rule("needs-a-con", "", _has_con)),
        )
        scene = build(clock, "proposed", protocol=protocol)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.refused_once
        assert result.codes == ("needs-a-con",)

    def test_fewer_phases(self, clock):
        """A protocol without evaluation never offers it."""
        base = tt.three_talk()
        talks = (P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK)
        protocol = attrs.evolve(
            base,
            name="short",
            moves={(P.PREPARATION, P.TEAM_TALK)}
            | {(a, b) for a in talks for b in talks if a is not b},
            entry_rules={p: r for p, r in base.entry_rules.items() if p is not P.EVALUATION},
            placement={
                **base.placement,
                "evaluate": {P.DECISION_TALK},
                "end_trial": {P.OPTION_TALK},
            },
        )
        scene = build(clock, "decided", protocol=protocol)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.EVALUATION, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("no-such-move",)
        assert scene.conv.allowed_moves() == frozenset({P.TEAM_TALK, P.OPTION_TALK})

    def test_not_a_protocol(self):
        """Conversation(protocol=...) of something else is invalid input."""
        with pytest.raises(tt.InvalidInput) as info:
            tt.Conversation("three_talk")

        assert info.value.argument == "protocol"
