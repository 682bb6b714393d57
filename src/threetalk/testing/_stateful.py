"""A ready stateful test: :class:`ConversationStateMachine` against the reference model.

This module needs Hypothesis; :mod:`threetalk.testing` imports it on first use.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Final

from threetalk._conversation import Conversation
from threetalk._exceptions import InvalidInput, Refused, ThreetalkError
from threetalk._guides import builtin_protocols
from threetalk._phases import (
    Analysis,
    Decided,
    DecisionRole,
    Information,
    Phase,
    Role,
    Source,
    Stance,
)
from threetalk._protocols import Protocol, three_talk
from threetalk._rebuild import replay
from threetalk._reference import (
    ACCEPTED,
    INVALID,
    REFUSED,
    Disagreement,
    Expectation,
    ReferenceModel,
    valid_day,
    view_of,
)
from threetalk._trail import Event, verify
from threetalk._values import Option, Participant, Question, Snapshot
from threetalk.testing._clock import TODAY, StepClock
from threetalk.testing._hypothesis import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    st,
)
from threetalk.testing._strategies import (
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

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ConversationStateMachine"]

# --------------------------------------------------------------------------- the machine

#: Members of the conversation, named by role or by position.
MEMBERS: Final = ("client", "professional", "relative", "first", "second", "third", "last")
#: People who may not act: someone who never joined, and a participant of another conversation.
OUTSIDERS: Final = ("stranger", "foreigner")
#: One of the conversation's options by position (or its first obligation), or a fake: one
#: never proposed, one of another conversation, and one of this conversation altered.
OPTIONS: Final = ("first", "second", "third", "last", "obligation")
FAKE_OPTIONS: Final = ("forged", "foreign", "altered")
#: One of the conversation's questions by position, or a fake (as for options).
QUESTIONS: Final = ("first", "second", "last")
FAKE_QUESTIONS: Final = ("forged", "foreign", "altered")

_POSITIONS: Final = ("first", "second", "third", "fourth", "fifth", "sixth")
_INDEX: Final = {**{label: index for index, label in enumerate(_POSITIONS)}, "last": -1}
_SETUPS: Final = ("empty", "people", "team", "options", "decision", "proposal", "decided")


def _mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nineteen times in twenty, else ``bad``; shrinks towards ``good``."""
    return st.integers(min_value=0, max_value=19).flatmap(lambda roll: bad if roll == 19 else good)


def _values(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``good`` values, sometimes garbage."""
    return _mostly(good, bad_values())


_TEXT: Final = _values(texts(12))
#: The text of a proposed option: sometimes one the setups propose (in another case or with
#: spaces around it), so that "on the table already" comes up.
_OPTION_TEXT: Final = _values(
    st.sampled_from(("Wait and see", "DAY TREATMENT", " unpaid work ")) | texts(12)
)
_DAY: Final = _mostly(dates_from(TODAY, days=60), bad_values() | st.just(TODAY - timedelta(1)))
_ACTOR: Final = _mostly(st.sampled_from(MEMBERS), st.sampled_from(OUTSIDERS))
_OPTION: Final = _mostly(st.sampled_from(OPTIONS), st.sampled_from(FAKE_OPTIONS))
_QUESTION: Final = _mostly(st.sampled_from(QUESTIONS), st.sampled_from(FAKE_QUESTIONS))
#: A yes/no answer, yes three times in four (so that all four SURE answers are yes often
#: enough to leave advisory A5 out), sometimes something that is not a bool at all.
_FLAG: Final = _mostly(st.sampled_from((True, True, True, False)), bad_flags())


class ConversationStateMachine(RuleBasedStateMachine):
    """A stateful test of a conversation against :class:`ReferenceModel`.

    Subclass it and set ``protocol`` to test a protocol of your own; its ``TestCase``
    attribute is a :class:`unittest.TestCase` pytest collects.

    Attributes:
        protocol: The protocol under test (default :func:`three_talk`).
        model_class: The reference model to compare with.
        replay_every: How many steps go by between the (slower) checks that the log
            verifies and replays to the same state; they always run at the end.
    """

    protocol: ClassVar[Protocol] = three_talk()
    model_class: ClassVar[type[ReferenceModel]] = ReferenceModel
    replay_every: ClassVar[int] = 5

    def __init__(self) -> None:
        super().__init__()
        self.clock = StepClock()
        self.conv = Conversation(self.protocol, conversation_id="under-test", clock=self.clock)
        self.model = self.model_class(self.protocol, self.conv.id, TODAY, self.conv)
        other = Conversation(self.protocol, conversation_id="other", clock=StepClock())
        self.foreigner = other.join("Olga", Role.CLIENT)
        self.foreign_option = Option("o1", "Elsewhere", self.foreigner.id, other.id)
        self.foreign_question = Question("q1", "Elsewhere?", self.foreigner.id, other.id)
        self.steps = 0

    # ------------------------------------------------------------------ picking

    def _actor(self, label: str) -> Any:
        people = self.conv.participants
        if label == "stranger":
            return Participant("p99", "Stranger", Role.CLIENT, self.conv.id)
        if label == "foreigner":
            return self.foreigner
        by_role = {
            "client": Role.CLIENT,
            "professional": Role.PROFESSIONAL,
            "relative": Role.RELATIVE,
        }
        if label in by_role:
            matching = [person for person in people if person.role is by_role[label]]
            return matching[0] if matching else (people[0] if people else self.foreigner)
        if not people:
            return Participant("p1", "Nobody", Role.CLIENT, self.conv.id)
        index = _INDEX[label]
        return people[index % len(people)] if index >= 0 else people[index]

    def _option(self, label: str) -> Any:
        options = self.conv.options
        if label == "foreign":
            return self.foreign_option
        if label == "forged" or not options:
            return Option(f"o{len(options) + 1}", "Forged", "p1", self.conv.id)
        if label == "obligation":
            return next((option for option in options if option.is_obligation), options[-1])
        if label == "altered":
            real = options[-1]
            return Option(
                real.id,
                f"{real.text} (altered)",
                real.proposed_by,
                real.conversation_id,
                source=real.source,
                expected_result=real.expected_result,
                obligation=real.obligation,
            )
        index = _INDEX[label]
        return options[index % len(options)] if index >= 0 else options[index]

    def _question(self, label: str) -> Any:
        questions = [item.question for item in self.conv.questions]
        if label == "foreign":
            return self.foreign_question
        if label == "forged" or not questions:
            return Question(f"q{len(questions) + 1}", "Forged?", "p1", self.conv.id)
        if label == "altered":
            real = questions[-1]
            return Question(real.id, f"{real.text} (altered)", real.asked_by, real.conversation_id)
        index = _INDEX[label]
        return questions[index % len(questions)] if index >= 0 else questions[index]

    # ------------------------------------------------------------------ running

    def _give(self, expectation: Expectation, command: str, by: Any, /, **arguments: Any) -> None:
        """Give ``command`` with ``arguments`` and hold it to ``expectation``.

        Before it is given, ``why_not_command`` and ``allowed_commands`` are asked about it
        with the very same arguments, and their answers held to what the command then does
        (see :meth:`_run`).
        """
        call = getattr(self.conv, command)
        if command == "join":
            self._run(expectation, lambda: call(**arguments), asked=(command, by, arguments))
        else:
            self._run(expectation, lambda: call(**arguments, by=by), asked=(command, by, arguments))

    def _ask(self, command: str, by: Any, arguments: dict[str, Any]) -> tuple[Any, bool | None]:
        """What ``why_not_command`` answers (reasons, or the error it raised) and whether
        ``allowed_commands`` lists the command (``None``: not asked); nothing may change."""
        before = self.conv.snapshot()
        count = len(self.conv.events)
        answer: Any
        try:
            answer = self.conv.why_not_command(command, by=by, **arguments)
        except ThreetalkError as error:
            answer = error
        listed: bool | None = None
        if command != "join":
            try:
                listed = command in self.conv.allowed_commands(by=by)
            except InvalidInput:
                listed = None
        _check(len(self.conv.events) == count, "asking before acting recorded an event")
        _check(self.conv.snapshot() == before, "asking before acting changed the state")
        return answer, listed

    def _run(
        self,
        expectation: Expectation,
        command: Callable[[], object],
        *,
        asked: tuple[str, Any, dict[str, Any]] | None = None,
    ) -> None:
        """Run ``command`` on the conversation and hold it to ``expectation``.

        With ``asked`` (the command's name, actor and arguments), also hold it to what
        ``why_not_command`` and ``allowed_commands`` said beforehand: no reasons, accepted;
        reasons, refused with the same ones; an error, the same error; not listed in
        ``allowed_commands``, not accepted.
        """
        answer, listed = (None, None) if asked is None else self._ask(*asked)
        before = self.conv.snapshot()
        count = len(self.conv.events)
        raised: ThreetalkError | None = None
        try:
            command()
        except InvalidInput as error:
            outcome, raised = INVALID, error
        except Refused as refusal:
            outcome, raised = REFUSED, refusal
            _check_codes(expectation, refusal)
        except ThreetalkError as other:
            msg = f"unexpected {type(other).__name__}: {other}"
            raise Disagreement(msg) from None
        else:
            outcome = ACCEPTED
        if asked is not None:
            _check_answer(asked[0], answer, listed=listed, raised=raised)
        self.steps += 1
        if outcome not in expectation.outcomes:
            expected = set(expectation.outcomes)
            msg = f"the conversation's outcome is {outcome}; the model expects {expected}"
            raise Disagreement(msg)
        new = self.conv.events[count:]
        self._check_new_events(new)
        if new:
            _check(
                new[0].phase is before.phase, "an event that does not record the phase it was in"
            )
        if outcome == INVALID:
            _check(not new, f"invalid input appended {[event.kind for event in new]}")
            _check(self.conv.snapshot() == before, "invalid input changed the state")
        elif outcome == REFUSED:
            kinds = [event.kind for event in new]
            _check(kinds == ["refused"], f"a refusal appended {kinds}, not one refusal")
            _check(self.conv.snapshot() == before, "a refusal changed the state")
        else:
            kinds = [event.kind for event in new]
            _check("refused" not in kinds, "an accepted command appended a refusal")
            _check(any(kind != "advisory" for kind in kinds), "an accepted command left no event")
            advice = tuple(
                sorted(str(event.data.get("rule")) for event in new if event.kind == "advisory")
            )
            _check(
                advice in expectation.advice,
                f"advisories {advice}, expected one of {set(expectation.advice)}",
            )
            if expectation.effect is not None:
                expectation.effect()
            self._check_decision(before, self.conv.snapshot(), new)

    def _check_new_events(self, new: tuple[Event, ...]) -> None:
        """New events are in order, attributed (R14) and time-stamped, advisories by nobody."""
        known = {person.id for person in self.conv.participants}
        previous = self.conv.events[len(self.conv.events) - len(new) - 1]
        for event in new:
            _check(event.seq == previous.seq + 1, "events out of sequence")
            _check(event.at >= previous.at, "an event earlier than the one before it")
            if event.kind == "advisory":
                _check(event.actor is None, "an advisory with an actor (it is the system's)")
            elif event.kind != "refused":
                _check(event.actor in known, f"a {event.kind} event without a participant")
            previous = event
        _check(
            len(self.conv.advisories) == sum(e.kind == "advisory" for e in self.conv.events),
            "advisories and advisory events differ",
        )

    def _check_decision(self, before: Snapshot, after: Snapshot, new: tuple[Event, ...]) -> None:
        """A decision that became final now met every rule at this moment."""
        decision = after.decision
        if decision is None or before.decision is not None:
            return
        roles = {person.id: person.role for person in after.participants}
        clients = {pid for pid, role in roles.items() if role is Role.CLIENT}
        open_options = [item for item in after.options if item.open]
        codes = {rule.code for rule in self.protocol.decision_rules}
        if "needs-two-options" in codes:
            _check(len(open_options) >= 2, "a decision with fewer than two open options (R3)")
        if "option-without-considerations" in codes:
            _check(
                all(item.considerations for item in open_options),
                "a decision while an option has no pro or con (R4)",
            )
        if "missing-preference" in codes:
            stated = dict(after.preferences)
            _check(
                all(pid in stated for pid, role in roles.items() if role is not Role.PROFESSIONAL),
                "a decision without every client's and relative's preference (R7)",
            )
        chosen = next(item for item in after.options if item.option == decision.option)
        _check(chosen.open, "a decision on a withdrawn or waived option")
        if "obligation-open" in codes:
            _check(
                all(
                    item.option == decision.option or item.waiver is not None
                    for item in after.options
                    if item.option.is_obligation
                ),
                "a decision while an obligation is neither decided on nor waived (R16)",
            )
        _check(
            chosen.trial is None or not chosen.trial.running,
            "a decision under a running trial (R6)",
        )
        _check(decision.review_on >= decision.when, "a review before the decision starts (R8)")
        actor = new[0].actor
        if decision.how is Decided.AGREED:
            consented = set() if before.proposal is None else set(before.proposal.consents)
            _check(
                clients <= consented | {actor},
                "an agreed decision without every client's consent (R9)",
            )
        elif decision.how is Decided.DELEGATED:
            delegated = dict(after.delegations)
            _check(
                all(delegated.get(pid) == actor for pid in clients),
                "a delegated decision without every client's delegation (R10)",
            )
        else:
            _check(
                self.protocol.allows_imposition,
                "an imposed decision where the protocol forbids it (R9)",
            )
            _check(
                roles.get(actor or "") is Role.PROFESSIONAL,
                "a decision imposed by someone who is not a professional",
            )
            _check(bool(decision.justification), "an imposed decision without a justification (R9)")

    # ------------------------------------------------------------------ setup

    @initialize(
        setup=st.sampled_from(_SETUPS),
        clients=st.integers(min_value=1, max_value=2),
        acts=st.booleans(),
    )
    def start(self, setup: str, clients: int, acts: bool = False) -> None:  # noqa: FBT001, FBT002
        """Start from an empty conversation or from a prepared state further along.

        With ``clients=2`` a parent and a child (say) are both clients, so consents and
        delegations of several clients get exercised. With ``acts`` the way there takes
        the acts of the guides too: a client's question (left unanswered: A6 when a
        decision becomes final), role preferences, an analysis entry, a leaflet, a SURE
        check with doubt (A5) and a decline. A protocol that allows obligations gets one
        (waived in decision talk); every client's understanding is checked before option
        talk when the protocol needs it (R15) or ``acts`` is set.
        """
        stages = (
            self._set_people,
            self._set_team,
            self._set_options,
            self._set_decision,
            self._set_proposal,
            self._set_decided,
        )
        for stage in stages[: _SETUPS.index(setup)]:
            stage(clients, acts=acts)

    def _set_people(self, clients: int, *, acts: bool) -> None:
        self.do_join("Client", Role.CLIENT)
        self.do_join("Partner", Role.RELATIVE)
        self.do_join("Coach", Role.PROFESSIONAL)
        if clients == 2:
            self.do_join("Second client", Role.CLIENT)
        if acts:
            self.do_ask("What are my options?", "client")
            self.do_state_role_preference(DecisionRole.SHARE, "client")
            self.do_state_role_preference(DecisionRole.LEAVE_TO_PROFESSIONAL, "relative")

    def _set_team(self, clients: int, *, acts: bool) -> None:
        self.do_move_to(Phase.TEAM_TALK, "professional")
        self.do_say("state_problem", "The problem", "professional")
        self.do_say("add_goal", "A goal", "client")
        if acts:
            self.do_add_analysis(Analysis.STRENGTH, "A warm family", "relative")
        if acts or "needs-understanding" in self.model.unmet_entry(Phase.OPTION_TALK):
            for label in ("client", "fourth")[:clients]:
                self.do_check_understanding(label, True, "Said it back", "professional")  # noqa: FBT003

    def _set_options(self, _clients: int, *, acts: bool) -> None:
        self.do_move_to(Phase.OPTION_TALK, "professional")
        self.do_propose_option("Wait and see", "client")
        self.do_propose_option("Day treatment", "professional")
        self.do_add_consideration("first", Stance.PRO, "Calm", "relative")
        self.do_add_consideration("second", Stance.CON, "Far away", "client")
        if self.protocol.allows_obligations:
            self.do_propose_option(
                "Unpaid work", "professional", obligation="Participation Act, article 9"
            )
            self.do_add_consideration("third", Stance.CON, "No time for a course", "client")
        if acts:
            self.do_share_information(
                "Day treatment leaflet", Information.LEAFLET, "second", "professional"
            )
            self.do_check_conflict(True, True, False, True, "client")  # noqa: FBT003

    def _set_decision(self, clients: int, *, acts: bool) -> None:
        self.do_move_to(Phase.DECISION_TALK, "professional")
        if self.protocol.allows_obligations:
            self.do_waive(
                "third", "A course serves the goal of regular work better", "professional"
            )
        if acts:
            self.do_decline("first", "Waiting makes it worse", "client")
        self.do_state_preference("second", "client")
        self.do_state_preference(None, "relative")
        if clients == 2:
            self.do_state_preference("first", "fourth")

    def _set_proposal(self, _clients: int, *, acts: bool) -> None:  # noqa: ARG002 - every stage's
        self.do_propose_decision("second", "Both", "Day treatment", TODAY, 30, "professional")

    def _set_decided(self, clients: int, *, acts: bool) -> None:  # noqa: ARG002 - every stage's
        self.do_consent("client")
        if clients == 2:
            self.do_consent("fourth")

    # ------------------------------------------------------------------ the commands

    @precondition(lambda self: len(self.conv.participants) < 6)
    @rule(name=_values(names()), role=_values(roles()))
    def do_join(self, name: Any, role: Any) -> None:
        """Someone joins."""
        expectation = self.model.expect_join(name, role)
        self._give(expectation, "join", None, name=name, role=role)

    @rule(phase=_values(st.sampled_from(Phase)), by=_ACTOR)
    def do_move_to(self, phase: Any, by: str) -> None:
        """Someone moves the conversation to a phase."""
        actor = self._actor(by)
        if isinstance(phase, Phase):
            allowed = phase in self.conv.allowed_moves()
            _check(
                allowed == (phase in self.model.allowed_moves()),
                f"allowed_moves() says {allowed} for {phase!r}; the model disagrees",
            )
            reasons = {reason.code for reason in self.conv.why_not(phase)}
            possible = (self.conv.phase, phase) in self.protocol.moves
            _check(
                not possible or self.model.unmet_entry(phase) <= reasons,
                f"why_not({phase!r}) gives {reasons}; the model misses "
                f"{self.model.unmet_entry(phase) - reasons}",
            )
        left, decided = self.conv.phase, self.conv.decision is not None
        expectation = self.model.expect_move_to(phase, actor)
        self._give(expectation, "move_to", actor, phase=phase)
        if self.conv.phase is not left:
            _check((left, self.conv.phase) in self.protocol.moves, "a move the protocol lacks")
            entry = {rule.code for rule in self.protocol.entry_rules.get(self.conv.phase, ())}
            if "needs-understanding" in entry:
                latest = {
                    check.of: check.understood for check in self.conv.snapshot().understanding
                }
                _check(
                    all(
                        latest.get(person.id, False)
                        for person in self.conv.participants
                        if person.role is Role.CLIENT
                    ),
                    "option talk entered while a client has not shown understanding (R15)",
                )
            moved = next(e for e in reversed(self.conv.events) if e.kind == "moved")
            reopened = decided and self.conv.decision is None
            _check(
                bool(moved.data.get("reopened")) == reopened,
                "a move that reopens a decision must say so, and only then (R12)",
            )

    @rule(until=_DAY, reason=_TEXT, by=_ACTOR)
    def do_pause(self, until: Any, reason: Any, by: str) -> None:
        """Someone pauses the conversation."""
        actor = self._actor(by)
        expectation = self.model.expect_pause(until, reason, actor)
        self._give(expectation, "pause", actor, until=until, reason=reason)

    @rule(by=_ACTOR)
    def do_resume(self, by: str) -> None:
        """Someone resumes the conversation."""
        actor = self._actor(by)
        self._give(self.model.expect_resume(actor), "resume", actor)

    @rule(reason=st.none() | _TEXT, by=_ACTOR, now=st.integers(0, 9).map(lambda roll: roll == 9))
    def do_close(self, reason: Any, by: str, now: bool) -> None:  # noqa: FBT001 - a drawn flag
        """Someone closes the conversation (rarely: now and then, to leave time for the rest)."""
        if not now:
            return
        actor = self._actor(by)
        expectation = self.model.expect_close(reason, actor)
        self._give(expectation, "close", actor, reason=reason)

    @rule(
        command=st.sampled_from(("add_topic", "state_problem", "add_goal", "add_concern")),
        text=_TEXT,
        by=_ACTOR,
    )
    def do_say(self, command: str, text: Any, by: str) -> None:
        """Someone adds a topic, states the problem, names a goal or a concern."""
        actor = self._actor(by)
        expectation = self.model.expect_say(command, text, actor)
        self._give(expectation, command, actor, text=text)

    @precondition(lambda self: len(self.conv.options) < 5)
    @rule(
        text=_OPTION_TEXT,
        by=_ACTOR,
        source=st.none() | _values(sources()),
        expected_result=st.none() | _TEXT,
        obligation=st.one_of(st.none(), st.none(), _TEXT),
    )
    def do_propose_option(
        self,
        text: Any,
        by: str,
        source: Any = None,
        expected_result: Any = None,
        obligation: Any = None,
    ) -> None:
        """Someone proposes an option, maybe saying where it comes from, what it should
        bring, or (an obligation) its legal basis."""
        actor = self._actor(by)
        expectation = self.model.expect_propose_option(
            text, actor, source, expected_result, obligation
        )
        self._give(
            expectation,
            "propose_option",
            actor,
            text=text,
            source=source,
            expected_result=expected_result,
            obligation=obligation,
        )

    @rule(
        option=_OPTION,
        stance=_values(stances()),
        text=_TEXT,
        by=_ACTOR,
    )
    def do_add_consideration(self, option: str, stance: Any, text: Any, by: str) -> None:
        """Someone gives a pro or con of an option."""
        actor, item = self._actor(by), self._option(option)
        expectation = self.model.expect_add_consideration(item, stance, text, actor)
        self._give(expectation, "add_consideration", actor, option=item, stance=stance, text=text)

    @rule(option=_OPTION, reason=_TEXT, by=_ACTOR)
    def do_withdraw_option(self, option: str, reason: Any, by: str) -> None:
        """Someone strikes an option."""
        actor, item = self._actor(by), self._option(option)
        expectation = self.model.expect_withdraw_option(item, reason, actor)
        self._give(expectation, "withdraw_option", actor, option=item, reason=reason)

    @rule(option=_OPTION, evaluate_on=_DAY, by=_ACTOR)
    def do_start_trial(self, option: str, evaluate_on: Any, by: str) -> None:
        """Someone starts trying an option out."""
        actor, item = self._actor(by), self._option(option)
        expectation = self.model.expect_start_trial(item, evaluate_on, actor)
        self._give(expectation, "start_trial", actor, option=item, evaluate_on=evaluate_on)

    @rule(option=_OPTION, outcome=_TEXT, by=_ACTOR)
    def do_end_trial(self, option: str, outcome: Any, by: str) -> None:
        """Someone records how a trial went."""
        actor, item = self._actor(by), self._option(option)
        expectation = self.model.expect_end_trial(item, outcome, actor)
        self._give(expectation, "end_trial", actor, option=item, outcome=outcome)

    @rule(option=st.none() | _OPTION, by=_ACTOR)
    def do_state_preference(self, option: str | None, by: str) -> None:
        """Someone states a preference, or that they have none."""
        actor = self._actor(by)
        item = None if option is None else self._option(option)
        expectation = self.model.expect_state_preference(item, actor)
        self._give(expectation, "state_preference", actor, option=item)

    @rule(to=_ACTOR, by=_ACTOR)
    def do_delegate(self, to: str, by: str) -> None:
        """A client asks someone to decide."""
        actor, delegate = self._actor(by), self._actor(to)
        expectation = self.model.expect_delegate(delegate, actor)
        self._give(expectation, "delegate", actor, to=delegate)

    @rule(
        option=_OPTION,
        who=_TEXT,
        what=_TEXT,
        when=_DAY,
        review_after=_values(st.integers(min_value=-3, max_value=90)),
        by=_ACTOR,
    )
    def do_propose_decision(
        self, option: str, who: Any, what: Any, when: Any, review_after: Any, by: str
    ) -> None:
        """Someone proposes a decision."""
        actor, item = self._actor(by), self._option(option)
        review_on = review_after
        if type(review_after) is int and abs(review_after) < 1000 and valid_day(when, date.min):
            review_on = when + timedelta(days=review_after)
        expectation = self.model.expect_propose_decision(item, who, what, when, review_on, actor)
        self._give(
            expectation,
            "propose_decision",
            actor,
            option=item,
            who=who,
            what=what,
            when=when,
            review_on=review_on,
        )

    @rule(by=_ACTOR)
    def do_consent(self, by: str) -> None:
        """Someone consents to the proposal."""
        actor = self._actor(by)
        self._give(self.model.expect_consent(actor), "consent", actor)

    @rule(reason=_TEXT, by=_ACTOR)
    def do_object(self, reason: Any, by: str) -> None:
        """Someone objects to the proposal."""
        actor = self._actor(by)
        expectation = self.model.expect_object(reason, actor)
        self._give(expectation, "object", actor, reason=reason)

    @rule(justification=_TEXT, by=_ACTOR)
    def do_impose(self, justification: Any, by: str) -> None:
        """Someone imposes the proposal."""
        actor = self._actor(by)
        expectation = self.model.expect_impose(justification, actor)
        self._give(expectation, "impose", actor, justification=justification)

    @rule(outcome=_TEXT, process=_TEXT, by=_ACTOR)
    def do_evaluate(self, outcome: Any, process: Any, by: str) -> None:
        """Someone looks back."""
        actor = self._actor(by)
        expectation = self.model.expect_evaluate(outcome, process, actor)
        self._give(expectation, "evaluate", actor, outcome=outcome, process=process)

    # ------------------------------------------------------------------ the acts of the guides

    @rule(preference=_values(decision_roles()), by=_ACTOR)
    def do_state_role_preference(self, preference: Any, by: str) -> None:
        """Someone says how they want to take part in deciding."""
        actor = self._actor(by)
        expectation = self.model.expect_state_role_preference(preference, actor)
        self._give(expectation, "state_role_preference", actor, preference=preference)

    @rule(sure=_FLAG, informed=_FLAG, values_clear=_FLAG, supported=_FLAG, by=_ACTOR)
    def do_check_conflict(
        self, sure: Any, informed: Any, values_clear: Any, supported: Any, by: str
    ) -> None:
        """Someone takes a SURE check of their own decisional conflict."""
        actor = self._actor(by)
        answers = {
            "sure": sure,
            "informed": informed,
            "values_clear": values_clear,
            "supported": supported,
        }
        expectation = self.model.expect_check_conflict(
            sure, informed, values_clear, supported, actor
        )
        self._give(expectation, "check_conflict", actor, **answers)

    @rule(of=_ACTOR, understood=_FLAG, note=_TEXT, by=_ACTOR)
    def do_check_understanding(self, of: str, understood: Any, note: Any, by: str) -> None:
        """Someone records a teach-back check of someone's understanding."""
        actor, subject = self._actor(by), self._actor(of)
        expectation = self.model.expect_check_understanding(subject, understood, note, actor)
        self._give(
            expectation, "check_understanding", actor, of=subject, understood=understood, note=note
        )

    @rule(kind=_values(analysis_kinds()), text=_TEXT, by=_ACTOR)
    def do_add_analysis(self, kind: Any, text: Any, by: str) -> None:
        """Someone adds to the problem-and-strengths analysis."""
        actor = self._actor(by)
        expectation = self.model.expect_add_analysis(kind, text, actor)
        self._give(expectation, "add_analysis", actor, kind=kind, text=text)

    @rule(text=_TEXT, kind=_values(information_kinds()), option=st.none() | _OPTION, by=_ACTOR)
    def do_share_information(self, text: Any, kind: Any, option: str | None, by: str) -> None:
        """Someone records information handed over, maybe about an option."""
        actor = self._actor(by)
        item = None if option is None else self._option(option)
        expectation = self.model.expect_share_information(text, kind, item, actor)
        self._give(expectation, "share_information", actor, text=text, kind=kind, option=item)

    @precondition(lambda self: len(self.conv.questions) < 6)
    @rule(text=_TEXT, by=_ACTOR)
    def do_ask(self, text: Any, by: str) -> None:
        """Someone asks a question."""
        actor = self._actor(by)
        expectation = self.model.expect_ask(text, actor)
        self._give(expectation, "ask", actor, text=text)

    @rule(question=_QUESTION, text=_TEXT, by=_ACTOR)
    def do_answer(self, question: str, text: Any, by: str) -> None:
        """Someone answers a question."""
        actor, item = self._actor(by), self._question(question)
        expectation = self.model.expect_answer(item, text, actor)
        self._give(expectation, "answer", actor, question=item, text=text)

    @rule(option=_OPTION, reason=_TEXT, by=_ACTOR)
    def do_decline(self, option: str, reason: Any, by: str) -> None:
        """Someone declines an option, saying why."""
        actor, item = self._actor(by), self._option(option)
        expectation = self.model.expect_decline(item, reason, actor)
        self._give(expectation, "decline", actor, option=item, reason=reason)

    @rule(option=_OPTION, justification=_TEXT, by=_ACTOR)
    def do_waive(self, option: str, justification: Any, by: str) -> None:
        """Someone waives an obligation, saying why."""
        actor, item = self._actor(by), self._option(option)
        expectation = self.model.expect_waive(item, justification, actor)
        self._give(expectation, "waive", actor, option=item, justification=justification)

    # ------------------------------------------------------------------ getting somewhere

    @rule(choices=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
    def do_progress(self, choices: list[int]) -> None:
        """Take a few sensible steps towards a decision, so that runs get far enough.

        Each ``choice`` picks among the sensible next steps (who proposes, whether to
        object, delegate, impose, try an option out or reopen the decision).
        """
        for choice in choices:
            self._progress(choice)

    def _progress(self, choice: int) -> None:
        phase = self.conv.phase
        people = self.conv.participants
        roles = {person.role for person in people}
        if phase is Phase.PAUSED:
            self.do_resume("first")
        elif phase is Phase.CLOSED or not {Role.CLIENT, Role.PROFESSIONAL} <= roles:
            role = Role.PROFESSIONAL if Role.CLIENT in roles else Role.CLIENT
            if len(people) < 6:
                self.do_join(f"Person {len(people) + 1}", role)
        elif phase is Phase.PREPARATION:
            self.do_move_to(Phase.TEAM_TALK, "professional")
        elif phase is Phase.TEAM_TALK:
            self._progress_team_talk()
        elif phase is Phase.OPTION_TALK:
            self._progress_option_talk(choice)
        elif phase is Phase.DECISION_TALK:
            self._progress_decision_talk(choice)
        elif choice == 0:
            self.do_move_to(Phase.OPTION_TALK, "client")
        else:
            self.do_evaluate("It helps", "I was heard", "client")

    def _undelegated(self) -> list[str]:
        """Labels of the clients who have not delegated to the first professional."""
        professional = self._actor("professional")
        people = [person.id for person in self.conv.participants]
        return [
            _position(people, person.id)
            for person in self.conv.participants
            if person.role is Role.CLIENT
            and self.model.delegations.get(person.id) != professional.id
        ]

    def _progress_team_talk(self) -> None:
        model = self.model
        unmet = model.unmet_entry(Phase.OPTION_TALK)
        people = [person.id for person in self.conv.participants]
        doubtful = [
            pid
            for pid in people
            if model.roles[pid] is Role.CLIENT and not model.understanding.get(pid, (False, ""))[0]
        ]
        if not model.problem:
            self.do_say("state_problem", "What is wrong", "client")
        elif "needs-understanding" in unmet and doubtful:  # R15
            label = _position(people, doubtful[0])
            self.do_check_understanding(label, True, "Said it back", "professional")  # noqa: FBT003
        elif unmet:
            self.do_say("add_goal", "What I want", "client")
        else:
            self.do_move_to(Phase.OPTION_TALK, "professional")

    def _progress_option_talk(self, choice: int) -> None:
        model = self.model
        open_ids = [oid for oid, item in model.options.items() if item.open]
        bare = [oid for oid in open_ids if model.options[oid].considerations == 0]
        running = [oid for oid, item in model.options.items() if item.trial == "running"]
        if running and choice < 2:
            self.do_end_trial(_position(model.options, running[0]), "It went well", "client")
        elif len(open_ids) < 2 and len(model.options) < 5:
            by = "client" if choice % 2 else "professional"
            if choice == 2 and self.protocol.allows_obligations:
                self.do_propose_option(
                    f"Option {len(model.options) + 1}", "professional", obligation="The law"
                )
            else:
                self.do_propose_option(f"Option {len(model.options) + 1}", by)
        elif bare:
            self.do_add_consideration(
                _position(model.options, bare[0]), Stance.PRO, "Good", "client"
            )
        elif choice == 3 and open_ids:
            self.do_start_trial(_position(model.options, open_ids[0]), TODAY, "professional")
        else:
            self.do_move_to(Phase.DECISION_TALK, "professional")

    def _progress_decision_talk(self, choice: int) -> None:
        model = self.model
        if model.decision is not None:
            target = Phase.OPTION_TALK if choice == 0 else Phase.EVALUATION
            self.do_move_to(target, "client")
            return
        silent = [
            person
            for person in self.conv.participants
            if person.role is not Role.PROFESSIONAL and person.id not in model.preferences
        ]
        ready = [
            oid for oid, item in model.options.items() if item.open and item.trial != "running"
        ]
        # R16: every obligation is decided on or waived.
        obligations = [oid for oid in ready if model.options[oid].obligation]
        if silent:
            label = _position([person.id for person in self.conv.participants], silent[0].id)
            option = _position(model.options, ready[0]) if ready and choice % 2 else None
            self.do_state_preference(option, label)
        elif model.proposal is None and choice == 1 and self._undelegated():
            self.do_delegate("professional", self._undelegated()[0])
        elif model.proposal is None and obligations and choice != 0:
            label = _position(model.options, obligations[0])
            self.do_waive(label, "Another way serves the goal better", "professional")
        elif model.proposal is None and ready:
            chosen = obligations[0] if obligations else ready[choice % len(ready)]
            option = _position(model.options, chosen)
            self.do_propose_decision(option, "Both", "The plan", TODAY, 30, "professional")
        elif model.proposal is not None and choice == 3 and self.protocol.allows_imposition:
            self.do_impose("The law requires it", "professional")
        elif model.proposal is not None:
            waiting = [
                person
                for person in self.conv.participants
                if person.role is Role.CLIENT and person.id not in model.proposal.consents
            ]
            if choice == 2:
                self.do_object("Not yet", "client")
            elif waiting:
                label = _position([person.id for person in self.conv.participants], waiting[0].id)
                self.do_consent(label)
        else:
            self.do_move_to(Phase.OPTION_TALK, "professional")

    # ------------------------------------------------------------------ invariants

    @invariant()
    def agrees_with_the_model(self) -> None:
        """The conversation's state is the model's state."""
        mine, theirs = self.model.view(), view_of(self.conv.snapshot())
        differences = {key: (theirs[key], mine[key]) for key in mine if mine[key] != theirs[key]}
        _check(not differences, f"conversation vs model differ in {differences}")

    @invariant()
    def rules_hold(self) -> None:
        """What must hold at all times holds."""
        snap = self.conv.snapshot()
        roles = {person.id: person.role for person in snap.participants}
        talk = snap.resume_phase if snap.phase is Phase.PAUSED else snap.phase
        if snap.phase is not Phase.CLOSED:
            paused = snap.phase is Phase.PAUSED
            _check(paused == (snap.resume_phase is not None), "a resume phase outside a pause")
        if snap.proposal is not None:
            _check(talk is Phase.DECISION_TALK, f"a pending proposal in {talk!r}")
            _check(
                all(roles.get(pid) is Role.CLIENT for pid in snap.proposal.consents),
                "a consent from someone who is not a client",
            )
            _check(
                all(roles.get(pid) is Role.CLIENT for pid, _ in snap.proposal.objections),
                "an objection from someone who is not a client",
            )
        if snap.decision is not None:
            _check(
                talk in (Phase.DECISION_TALK, Phase.EVALUATION, Phase.CLOSED),
                f"a final decision in {talk!r} (it should have been reopened)",
            )
            _check(
                snap.decision.how is not Decided.IMPOSED or self.protocol.allows_imposition,
                "an imposed decision",
            )
        if talk is Phase.EVALUATION and "nothing-to-evaluate" in {
            rule.code for rule in self.protocol.entry_rules.get(Phase.EVALUATION, ())
        }:
            _check(
                snap.decision is not None
                or any(item.trial is not None and not item.trial.running for item in snap.options),
                "evaluation with nothing to look back on (R13)",
            )
        for pid, to in snap.delegations:
            _check(roles.get(pid) is Role.CLIENT, "a delegation by someone who is not a client")
            _check(
                roles.get(to) is Role.PROFESSIONAL,
                "a delegation to someone who is not a professional",
            )
        open_ids = {item.option.id for item in snap.options if item.open}
        for pid, oid in snap.preferences:
            _check(pid in roles, "a preference of someone who did not join")
            _check(oid is None or oid in open_ids, "a preference for a withdrawn or waived option")
        self._acts_hold(snap, roles)

    def _acts_hold(self, snap: Snapshot, roles: dict[str, Role]) -> None:
        """Who may give the acts of the guides gave them, and they hold together."""
        speaking: tuple[Role | None, ...] = (Role.CLIENT, Role.RELATIVE)
        for pid, _ in snap.role_preferences:
            _check(roles.get(pid) in speaking, "a role preference of a professional")
        for sure in snap.sure_checks:
            _check(roles.get(sure.by) in speaking, "a SURE check of a professional")
            _check(0 <= sure.score <= 4, "a SURE score outside 0-4")
        for teach_back in snap.understanding:
            _check(roles.get(teach_back.of) in speaking, "a teach-back check of a professional")
            _check(
                roles.get(teach_back.by) is Role.PROFESSIONAL,
                "a teach-back check by a non-professional",
            )
        for asked in snap.questions:
            _check(asked.question.asked_by in roles, "a question of someone who did not join")
            _check(
                all(answer.by != asked.question.asked_by for answer in asked.answers),
                "a question answered by whoever asked it",
            )
        for item in snap.options:
            option = item.option
            if option.is_obligation:
                _check(
                    self.protocol.allows_obligations, "an obligation the protocol does not allow"
                )
                _check(roles.get(option.proposed_by) is Role.PROFESSIONAL, "a client's obligation")
                _check(item.withdrawn is None, "a withdrawn obligation (it can only be waived)")
            _check(
                (option.source is Source.OBLIGATION) == option.is_obligation,
                "an obligation without a legal basis, or a legal basis of another source",
            )
            _check(
                item.waiver is None
                or (option.is_obligation and roles.get(item.waiver.by) is Role.PROFESSIONAL),
                "a waiver of what is not an obligation, or by a non-professional",
            )
            _check(
                all(roles.get(decline.by) is Role.CLIENT for decline in item.declines),
                "a decline by someone who is not a client",
            )
            _check(
                len({decline.by for decline in item.declines}) == len(item.declines),
                "two declines of one client counted (the latest counts)",
            )

    @invariant()
    def steps_follow_the_state(self) -> None:
        """The step is one of the phase's, progress marks it alone CURRENT, prompts are its."""
        conv = self.conv
        step = conv.step
        _check(step in self.protocol.steps, "a step the protocol lacks")
        talk = conv.snapshot().resume_phase if conv.phase is Phase.PAUSED else conv.phase
        if talk is not Phase.CLOSED:
            _check(step.phase is talk, f"step {step.id!r} is not in {talk!r}")
        progress = conv.progress()
        _check([item.step for item in progress] == list(self.protocol.steps), "progress order")
        for item in progress:
            current = item.step is step
            _check((item.status.name == "CURRENT") == current, "one CURRENT step, the step")
            if not current:
                done = item.status.name == "DONE"
                _check(done == (not item.missing), f"{item.step.id!r}: status and missing")
        _check(all(prompt.step == step.id for prompt in conv.prompts()), "a prompt of another step")
        same = [item for item in progress if item.step.phase is step.phase]
        at = [item.step for item in same].index(step)
        _check(all(not item.missing for item in same[:at]), "an earlier step is not done")
        _check(at == len(same) - 1 or bool(same[at].missing), "the step is done; the next is due")

    @invariant()
    def log_is_sound(self) -> None:
        """Every event is attributed to a participant or the system, and times never go back."""
        events = self.conv.events
        _check(events[0].kind == "opened" and events[0].actor is None, "the log opens")
        known = {person.id for person in self.conv.participants}
        for event in events[-3:]:
            _check(event.actor is None or event.actor in known, "an event by someone unknown")
            _check(event.at.tzinfo is not None, "a naive event time")
        if self.steps % self.replay_every == 0:
            self.check_log()

    def check_log(self) -> None:
        """The log verifies and replays to the same state.

        A built-in protocol is recognised from the opening event (no protocol given).
        """
        events = self.conv.events
        head = verify(events)
        _check(head.seq == len(events), "verify's head is not the last event")
        builtin = builtin_protocols().get(self.protocol.name) == self.protocol
        rebuilt = replay(events) if builtin else replay(events, self.protocol)
        _check(rebuilt.protocol == self.protocol, "replay(events) recognised another protocol")
        _check(rebuilt.snapshot() == self.conv.snapshot(), "replay(events) is another state")
        _check(rebuilt.step == self.conv.step, "replay(events) is at another step")
        _check(rebuilt.advisories == self.conv.advisories, "replay(events) has other advisories")

    def teardown(self) -> None:
        """The log verifies and replays at the end of every run."""
        self.check_log()


def _position(items: Any, key: str) -> str:
    """The label that names ``key`` among ``items`` by position (``first``...``last``)."""
    return _POSITIONS[list(items).index(key)]


def _check_answer(
    command: str, answer: Any, *, listed: bool | None, raised: Exception | None
) -> None:
    """What was asked beforehand agrees with what ``command`` did (``raised``, or nothing)."""
    if isinstance(raised, Refused):
        _check(
            answer == raised.reasons,
            f"why_not_command answered {answer!r}; {command} was refused with {raised.reasons!r}",
        )
    elif raised is not None:
        _check(
            type(answer) is type(raised) and str(answer) == str(raised),
            f"why_not_command answered {answer!r}; {command} raised {raised!r}",
        )
    else:
        _check(answer == (), f"why_not_command answered {answer!r}; {command} was accepted")
        _check(listed is not False, f"{command} was accepted, yet not in allowed_commands")


def _check_codes(expectation: Expectation, refusal: Refused) -> None:
    """A refusal carries the codes the model expects (exactly those, where it says so)."""
    given = set(refusal.codes)
    missing = expectation.codes - given
    if missing:
        msg = f"the refusal gives {refusal.codes}, the model also expects {missing}"
        raise Disagreement(msg)
    if expectation.exact and given != expectation.codes:
        msg = f"the refusal gives {refusal.codes}, the model expects no {given - expectation.codes}"
        raise Disagreement(msg)


def _check(condition: bool, message: str) -> None:  # noqa: FBT001 - reads as an assertion
    if not condition:
        raise Disagreement(message)
