"""``threetalk demo``: a whole conversation of a built-in protocol, told step by step.

``threetalk demo`` plays Sam's conversation under the three-talk model in English: Sam
has had a stroke and is in outpatient rehabilitation, progress has stalled, and with
their partner Noor and the physiotherapist Eva they look for what comes next. The
conversation goes back and forth, stops once to think, and ends with a decision all agree
on, looked back on weeks later.

``--protocol NAME`` plays the case of another built-in protocol (see
:mod:`threetalk._demo_cases`), ``--language nl`` tells it in Dutch. Every event is a line
of the timeline; where the conversation reaches another step of its guide, the step's
title and a prompt or two of the step are shown, and a prompt whose condition comes to
hold later in the step is shown when it does. Refusals and advisories are given in the
language chosen. The decision, the verified chain head and a rebuild from the events alone
close the output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import threetalk as tt
from threetalk._demo_cases import CASES, play, run_conversation

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence

__all__ = ["LANGUAGES", "configure", "run", "run_conversation", "timeline"]

#: The languages the demo speaks.
LANGUAGES: Final = ("en", "nl")

_DAYS: Final = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
}
_MONTHS: Final = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}

#: Words of the timeline: phases, roles and the values of the acts, per language.
_WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "preparation": "preparation",
        "team_talk": "team talk",
        "option_talk": "option talk",
        "decision_talk": "decision talk",
        "evaluation": "evaluation",
        "paused": "paused",
        "closed": "closed",
        "client": "client",
        "relative": "relative",
        "professional": "professional",
        "pro": "pro",
        "con": "con",
        "agreed": "agreed",
        "delegated": "delegated",
        "imposed": "imposed",
        "decide_myself": "I decide myself",
        "share": "we decide together",
        "leave_to_professional": "I leave it to the professional",
        "cause": "cause",
        "maintaining_factor": "what keeps it going",
        "consequence": "consequence",
        "expectation": "expectation",
        "strength": "strength",
        "leaflet": "a leaflet",
        "website": "a website",
        "peer_experience": "peers' experience",
        "decision_aid": "a decision aid",
        "other": "information",
        "sure": "sure of the best choice",
        "informed": "knows the pros and cons",
        "values_clear": "clear about what matters most",
        "supported": "enough support",
    },
    "nl": {
        "preparation": "voorbereiding",
        "team_talk": "teamgesprek",
        "option_talk": "optiegesprek",
        "decision_talk": "beslisgesprek",
        "evaluation": "evaluatie",
        "paused": "gepauzeerd",
        "closed": "gesloten",
        "client": "cliënt",
        "relative": "naaste",
        "professional": "professional",
        "pro": "voordeel",
        "con": "nadeel",
        "agreed": "samen overeengekomen",
        "delegated": "overgelaten aan de professional",
        "imposed": "opgelegd",
        "decide_myself": "ik beslis zelf",
        "share": "we beslissen samen",
        "leave_to_professional": "ik laat het aan de professional",
        "cause": "oorzaak",
        "maintaining_factor": "wat het in stand houdt",
        "consequence": "gevolg",
        "expectation": "verwachting",
        "strength": "kracht",
        "leaflet": "een folder",
        "website": "een website",
        "peer_experience": "ervaringen van anderen",
        "decision_aid": "een keuzehulp",
        "other": "informatie",
        "sure": "zeker van de beste keuze",
        "informed": "kent de voor- en nadelen",
        "values_clear": "weet wat het zwaarst weegt",
        "supported": "genoeg steun",
    },
}

#: The sentences of the timeline and the summary, per language (``str.format`` fields).
_SAY: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "opened": "conversation opened under the {protocol} protocol",
        "joined": "joins as {role}",
        "topic-added": "topic: {text}",
        "goal-added": "goal: {text}",
        "concern-added": "concern: {text}",
        "problem-stated": "problem: {text}",
        "option-proposed": "proposes option {option}: {text}",
        "network": " (from their network)",
        "obligation": " (an obligation; legal basis: {basis})",
        "expected": "; expected result: {result}",
        "consideration-added": "{stance} for {option}: {text}",
        "option-withdrawn": "withdraws {option}: {reason}",
        "option-declined": "declines {option}: {reason}",
        "obligation-waived": "waives the obligation {option}: {justification}",
        "trial-started": "starts trying {option}, to evaluate on {evaluate_on}",
        "trial-ended": "ends the trial of {option}: {outcome}",
        "preference-stated": "prefers {option}",
        "no-preference": "has no preference",
        "role-preference-stated": "on deciding: {preference}",
        "conflict-checked": "SURE check: {score} of 4 yes",
        "conflict-no": "; no to: {noes}",
        "understanding-checked": "checks {name}'s understanding (teach-back): {result}: {note}",
        "understood": "understood",
        "not-understood": "not understood yet",
        "analysis-added": "analysis, {kind}: {text}",
        "information-shared": "hands over {kind}: {text}",
        "about": " (about {option})",
        "question-asked": "asks {question}: {text}",
        "question-answered": "answers {question}: {text}",
        "delegated": "hands the decision to {name}",
        "moved": ">>> moves to {phase}{reopened}",
        "reopened": " (reopening the decision)",
        "paused": "||| pauses until {until}: {reason}",
        "resumed": ">>> resumes in {phase}, a new sitting",
        "decision-proposed": "proposes: {what} ({who}, from {when})",
        "consented": "consents",
        "objected": "objects: {reason}",
        "decided": (
            "*** DECISION ({how}): {option}: {what}; {who}; from {when}, review on {review_on}"
        ),
        "justified": " (justification: {justification})",
        "evaluated": "looks back: {outcome} / {process}",
        "closed": "closes the conversation: {reason}",
        "no-reason": "no reason given",
        "refused": "!!! REFUSED {command}: {reasons}",
        "advisory": "(advisory {rule}) {message}",
        "step": "== step {number} of {count}, {id}: {title}",
        "to-client": "to the client",
        "to-relative": "to the relative",
        "to-professional": "for the professional",
        "prompt": '? {to}: "{text}"',
        "prompt-now": '? now, {to}: "{text}"',
        "decision": (
            "Decision: {option} ({how}): {what}; who: {who}; from {when}, review on {review_on}."
        ),
        "no-decision": "No decision was made.",
        "counts": "Refusals: {refusals}. Advisories: {advisories}.",
        "verified": "Chain verified: {seq} events, head {hash}.",
        "rebuilt": "Rebuilt from its events alone, same state: {same}.",
        "yes": "yes",
        "no": "NO",
    },
    "nl": {
        "opened": "gesprek geopend volgens het protocol {protocol}",
        "joined": "doet mee als {role}",
        "topic-added": "onderwerp: {text}",
        "goal-added": "doel: {text}",
        "concern-added": "zorg: {text}",
        "problem-stated": "probleem: {text}",
        "option-proposed": "stelt mogelijkheid {option} voor: {text}",
        "network": " (uit hun netwerk)",
        "obligation": " (een verplichting; wettelijke grond: {basis})",
        "expected": "; verwacht resultaat: {result}",
        "consideration-added": "{stance} van {option}: {text}",
        "option-withdrawn": "trekt {option} in: {reason}",
        "option-declined": "wijst {option} af: {reason}",
        "obligation-waived": "ziet af van de verplichting {option}: {justification}",
        "trial-started": "probeert {option} uit, evaluatie op {evaluate_on}",
        "trial-ended": "beëindigt de proef met {option}: {outcome}",
        "preference-stated": "heeft voorkeur voor {option}",
        "no-preference": "heeft geen voorkeur",
        "role-preference-stated": "over beslissen: {preference}",
        "conflict-checked": "SURE-check: {score} van 4 ja",
        "conflict-no": "; nee op: {noes}",
        "understanding-checked": (
            "vraagt {name} het in eigen woorden te zeggen (terugvraagmethode): {result}: {note}"
        ),
        "understood": "begrepen",
        "not-understood": "nog niet begrepen",
        "analysis-added": "analyse, {kind}: {text}",
        "information-shared": "geeft {kind} mee: {text}",
        "about": " (over {option})",
        "question-asked": "vraagt {question}: {text}",
        "question-answered": "beantwoordt {question}: {text}",
        "delegated": "laat het besluit aan {name}",
        "moved": ">>> gaat naar {phase}{reopened}",
        "reopened": " (het besluit gaat weer open)",
        "paused": "||| pauzeert tot {until}: {reason}",
        "resumed": ">>> hervat in {phase}, een nieuwe zitting",
        "decision-proposed": "stelt voor: {what} ({who}, vanaf {when})",
        "consented": "stemt in",
        "objected": "maakt bezwaar: {reason}",
        "decided": (
            "*** BESLUIT ({how}): {option}: {what}; {who}; vanaf {when}, evaluatie op {review_on}"
        ),
        "justified": " (onderbouwing: {justification})",
        "evaluated": "kijkt terug: {outcome} / {process}",
        "closed": "sluit het gesprek: {reason}",
        "no-reason": "geen reden gegeven",
        "refused": "!!! GEWEIGERD {command}: {reasons}",
        "advisory": "(advies {rule}) {message}",
        "step": "== stap {number} van {count}, {id}: {title}",
        "to-client": "aan de cliënt",
        "to-relative": "aan de naaste",
        "to-professional": "voor de professional",
        "prompt": '? {to}: "{text}"',
        "prompt-now": '? nu, {to}: "{text}"',
        "decision": (
            "Besluit: {option} ({how}): {what}; wie: {who}; vanaf {when}, evaluatie op {review_on}."
        ),
        "no-decision": "Er is geen besluit genomen.",
        "counts": "Weigeringen: {refusals}. Adviezen: {advisories}.",
        "verified": "Keten geverifieerd: {seq} gebeurtenissen, laatste schakel {hash}.",
        "rebuilt": "Opnieuw opgebouwd uit alleen de gebeurtenissen, dezelfde toestand: {same}.",
        "yes": "ja",
        "no": "NEE",
    },
}

#: How a prompt's addressee is named (the professional's own prompts have none).
_TO: Final[Mapping[tt.Role | None, str]] = {
    tt.Role.CLIENT: "to-client",
    tt.Role.RELATIVE: "to-relative",
}


class _Teller:
    """The lines of one conversation's events in one language."""

    def __init__(self, conv: tt.Conversation, language: str) -> None:
        self.say = _SAY[language]
        self.words = _WORDS[language]
        self.language = language
        self.names = {participant.id: participant.name for participant in conv.participants}
        self.options = {option.id: option.text for option in conv.options}
        self.advisories = {advisory.seq: advisory for advisory in conv.advisories}

    def word(self, value: object) -> str:
        return self.words.get(str(value), str(value))

    def option(self, option_id: object) -> str:
        return self.options.get(str(option_id), str(option_id))

    def line(self, event: tt.Event) -> str:
        """What happened in ``event``, in the teller's language."""
        data: Mapping[str, Any] = event.data
        special = getattr(self, "_" + event.kind.replace("-", "_"), None)
        if special is not None:
            return str(special(event, data))
        template = self.say.get(event.kind)
        if template is None:  # a kind of event this demo does not know
            return f"{event.kind} {dict(data)}"
        fields = dict(data)
        if "option" in fields:
            fields["option"] = self.option(fields["option"])
        if "stance" in fields:
            fields["stance"] = self.word(fields["stance"])
        return template.format(**fields)

    def _joined(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["joined"].format(role=self.word(data["role"]))

    def _option_proposed(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        text = self.say["option-proposed"].format(option=data["option"], text=data["text"])
        if data.get("source") == tt.Source.NETWORK.value:
            text += self.say["network"]
        if data.get("obligation") is not None:
            text += self.say["obligation"].format(basis=data["obligation"])
        if data.get("expected_result") is not None:
            text += self.say["expected"].format(result=data["expected_result"])
        return text

    def _preference_stated(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        if data["option"] is None:
            return self.say["no-preference"]
        return self.say["preference-stated"].format(option=self.option(data["option"]))

    def _role_preference_stated(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["role-preference-stated"].format(preference=self.word(data["preference"]))

    def _conflict_checked(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        answers = ("sure", "informed", "values_clear", "supported")
        score = sum(1 for answer in answers if data[answer])
        text = self.say["conflict-checked"].format(score=score)
        noes = [self.word(answer) for answer in answers if not data[answer]]
        if noes:
            text += self.say["conflict-no"].format(noes=", ".join(noes))
        return text

    def _understanding_checked(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        result = self.say["understood" if data["understood"] else "not-understood"]
        name = self.names.get(data["of"], data["of"])
        return self.say["understanding-checked"].format(name=name, result=result, note=data["note"])

    def _analysis_added(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["analysis-added"].format(kind=self.word(data["kind"]), text=data["text"])

    def _information_shared(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        text = self.say["information-shared"].format(
            kind=self.word(data["kind"]), text=data["text"]
        )
        if data["option"] is not None:
            text += self.say["about"].format(option=self.option(data["option"]))
        return text

    def _delegated(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["delegated"].format(name=self.names.get(data["to"], data["to"]))

    def _moved(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        reopened = self.say["reopened"] if data["reopened"] else ""
        return self.say["moved"].format(phase=self.word(data["to"]), reopened=reopened)

    def _paused(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["paused"].format(until=data["until"], reason=data["reason"])

    def _resumed(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["resumed"].format(phase=self.word(data["to"]))

    def _decided(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        fields = {**data, "option": self.option(data["option"]), "how": self.word(data["how"])}
        text = self.say["decided"].format(**fields)
        if data.get("justification"):
            text += self.say["justified"].format(justification=data["justification"])
        return text

    def _closed(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        return self.say["closed"].format(reason=data["reason"] or self.say["no-reason"])

    def _refused(self, _event: tt.Event, data: Mapping[str, Any]) -> str:
        reasons = " ".join(
            tt.Reason(
                reason["code"], reason["message"], reason.get("rule", ""), reason.get("params", {})
            ).text(self.language)
            for reason in data["reasons"]
        )
        return self.say["refused"].format(command=data["command"], reasons=reasons)

    def _advisory(self, event: tt.Event, data: Mapping[str, Any]) -> str:
        found = self.advisories.get(event.seq)
        message = data["message"] if found is None else found.text(self.language)
        return self.say["advisory"].format(rule=data["rule"], message=message)

    def when(self, event: tt.Event) -> str:
        at = event.at
        day, month = _DAYS[self.language][at.weekday()], _MONTHS[self.language][at.month - 1]
        return f"{day} {at.day:02d} {month} {at:%H:%M}"


def _prompt_line(prompt: tt.Prompt, language: str, *, now: bool = False) -> str:
    say = _SAY[language]
    to = say[_TO.get(prompt.to, "to-professional")]
    template = say["prompt-now" if now else "prompt"]
    return "       " + template.format(to=to, text=prompt.text[language])


def _situational(prompt: tt.Prompt) -> bool:
    """Whether a prompt answers a situation (a condition other than a relative taking part)."""
    return any(condition != "relative-present" for condition in prompt.when)


def _opening_prompts(prompts: Sequence[tt.Prompt]) -> list[tt.Prompt]:
    """The prompts shown as a step begins: the first one to a client or relative and the
    first of the professional's own (each preferring one that always applies), and every
    prompt of a situation that holds already."""
    ordered = sorted(prompts, key=lambda prompt: bool(prompt.when))
    chosen = [
        next((p for p in ordered if p.to in {tt.Role.CLIENT, tt.Role.RELATIVE}), None),
        next((p for p in ordered if p.to in {None, tt.Role.PROFESSIONAL}), None),
    ]
    return [prompt for prompt in prompts if prompt in chosen or _situational(prompt)]


def timeline(conv: tt.Conversation, language: str = "en", key: bytes | None = None) -> list[str]:
    """The conversation's events as readable lines, with the steps of its guide.

    Where the conversation comes to another step, the step's number, id and title are
    shown with a prompt or two; a prompt whose condition comes to hold within the step is
    shown when it does. Steps and prompts are read from the conversation rebuilt up to
    each command (advisories belong to the command before them): a replay per command,
    which suits a conversation of demo length, not one of thousands of events.

    Args:
        conv: Any conversation (every protocol has steps).
        language: ``"en"`` or ``"nl"``.
        key: The key of its chain, if it is keyed.
    """
    teller = _Teller(conv, language)
    events = conv.events
    width = max([5, *(len(name) for name in teller.names.values())])
    steps = conv.protocol.steps
    lines: list[str] = []
    step_id: str | None = None
    offered: set[str] = set()
    for index, event in enumerate(events):
        who = teller.names.get(event.actor or "", "")
        phase = teller.word(event.phase.value)
        lines.append(
            f"{event.seq:>3} {teller.when(event)}  {phase:<13} {who:<{width}} {teller.line(event)}"
        )
        if index + 1 < len(events) and events[index + 1].kind == "advisory":
            continue
        then = tt.replay(events[: index + 1], protocol=conv.protocol, key=key)
        prompts = then.prompts(language=language) if conv.protocol.prompts else ()
        step = then.step
        if step.id != step_id:
            step_id = step.id
            number = next(n for n, each in enumerate(steps, 1) if each.id == step.id)
            lines.append(
                "    "
                + teller.say["step"].format(
                    number=number, count=len(steps), id=step.id, title=step.title[language]
                )
            )
            lines.extend(_prompt_line(p, language) for p in _opening_prompts(prompts))
        else:
            lines.extend(
                _prompt_line(p, language, now=True) for p in prompts if p.id not in offered
            )
        offered = {prompt.id for prompt in prompts}
    return lines


def summary(conv: tt.Conversation, language: str = "en") -> tuple[list[str], bool]:
    """The decision, the counts, the verified head and whether a rebuild gives the same."""
    say = _SAY[language]
    words = _WORDS[language]
    lines = []
    decision = conv.decision
    if decision is None:
        lines.append(say["no-decision"])
    else:
        lines.append(
            say["decision"].format(
                option=decision.option.text,
                how=words[decision.how.value],
                what=decision.what,
                who=decision.who,
                when=decision.when,
                review_on=decision.review_on,
            )
        )
    refusals = sum(1 for event in conv.events if event.kind == "refused")
    lines.append(say["counts"].format(refusals=refusals, advisories=len(conv.advisories)))
    head = tt.verify(conv.events)
    same = tt.replay(conv.events).snapshot() == conv.snapshot()
    lines.append(say["verified"].format(seq=head.seq, hash=head.hash))
    lines.append(say["rebuilt"].format(same=say["yes" if same else "no"]))
    return lines, same


def configure(parser: argparse.ArgumentParser) -> None:
    """``--protocol`` (the case of a built-in protocol) and ``--language``."""
    parser.add_argument(
        "--protocol",
        choices=sorted(CASES),
        default="three_talk",
        help="the built-in protocol whose case to play (default: three_talk)",
    )
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        default="en",
        help="tell the conversation in English or Dutch (default: en)",
    )


def run(args: argparse.Namespace) -> int:
    """Play the case, print its timeline, the decision and the verified head."""
    language: str = args.language
    conv = play(args.protocol, language)
    print(CASES[args.protocol].intro[language])
    print()
    print("\n".join(timeline(conv, language)))
    print()
    lines, same = summary(conv, language)
    print("\n".join(lines))
    return 0 if same else 1
