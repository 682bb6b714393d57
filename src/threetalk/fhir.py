"""A conversation as a FHIR R5 ``Bundle``: the audit trail and what was agreed, for a care record.

:func:`bundle` turns one conversation into a JSON-ready ``dict`` (``json.dumps`` it as it
is) of type ``collection`` holding:

- an ``AuditEvent`` per event of the log (refusals as a failed outcome, advisories as
  notices), carrying the event's ``seq``, kind, phase, data, ``prev`` and ``hash``;
- a ``Provenance`` carrying the chain head (the last event's ``seq`` and ``hash``), with
  every other resource of the bundle as its target;
- a ``Goal`` per goal put on record;
- a ``Consent`` per consent, objection and delegation, and per option a client declined;
- a ``QuestionnaireResponse`` per SURE check (four yes/no answers and the score), with the
  SURE ``Questionnaire`` it answers once in the bundle;
- an ``Observation`` per teach-back check (understood or not) and per role preference;
- a ``Communication`` per question, per answer (in response to its question) and per
  piece of information handed over;
- a ``CarePlan`` for the final decision (what, when, who, review; the expected result and
  legal basis of the option decided on; the obligations waived and why), when there is one.

Participants are logical references (an identifier and their name), not ``Patient`` or
``Practitioner`` resources: the app that embeds threetalk knows who they are in its own
record and can point the references there. Every resource has a stable id, derived from
the conversation id and the ``seq`` of the event it comes from, so the same conversation
always gives the same bundle. Entries of the problem-and-strengths analysis and the
options themselves have no resource of their own: their events' ``AuditEvent`` holds them.

The module uses the standard library only. The mapping is tabled in ``docs/fhir.md``.
"""

from __future__ import annotations

import html
import json
import uuid
from typing import TYPE_CHECKING, Any, Final

from threetalk._conversation import Conversation
from threetalk._exceptions import InvalidInput
from threetalk._phases import Role

if TYPE_CHECKING:
    from collections.abc import Mapping

    from threetalk._trail import Event
    from threetalk._values import Participant

__all__ = ["FHIR_VERSION", "SURE_QUESTIONNAIRE", "SYSTEM", "bundle"]

#: The FHIR release the bundles follow.
FHIR_VERSION: Final = "5.0.0"
#: The prefix of threetalk's own identifier and code systems (``urn:threetalk:...``).
SYSTEM: Final = "urn:threetalk"

_CONVERSATION: Final = f"{SYSTEM}:conversation"
_PARTICIPANT: Final = f"{SYSTEM}:participant"
_EVENT: Final = f"{SYSTEM}:event"
_EVENT_KIND: Final = f"{SYSTEM}:event-kind"
_EVENT_DETAIL: Final = f"{SYSTEM}:event-detail"
_ROLE: Final = f"{SYSTEM}:role"
_REASON: Final = f"{SYSTEM}:reason"
_CHAIN_HEAD: Final = f"{SYSTEM}:chain-head"
_OUTCOME: Final = "http://terminology.hl7.org/CodeSystem/audit-event-outcome"
_ACT: Final = f"{SYSTEM}:act"
_DECISION_ROLE: Final = f"{SYSTEM}:decision-role"
_INFORMATION: Final = f"{SYSTEM}:information"
#: The canonical URL of the SURE questionnaire the bundles carry, and its version.
SURE_QUESTIONNAIRE: Final = f"{SYSTEM}:questionnaire:sure"
_SURE_VERSION: Final = "1"

#: The namespace of the bundle's name-based (version 5) UUIDs.
_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:threetalk:fhir")

_SOFTWARE: Final = {"display": "threetalk"}

#: The four questions of SURE (Légaré et al., 2010), in our own words, by answer name.
_SURE_ITEMS: Final = (
    ("sure", "Are you sure which option is the best one for you?"),
    ("informed", "Do you know what speaks for and against each option?"),
    ("values_clear", "Do you know which of those pros and cons weigh most for you?"),
    ("supported", "Do you have the support and advice you need to choose?"),
)
_SURE_SCORE: Final = "Score: the number of yes answers (0-4); below 4 signals decisional conflict"

_DECISION_ROLES: Final = {
    "decide_myself": "Decide myself, having heard the professional",
    "share": "Decide together with the professional",
    "leave_to_professional": "Leave the decision to the professional, having been heard",
}

_INFORMATION_KINDS: Final = {
    "leaflet": "Leaflet",
    "website": "Website",
    "peer_experience": "Experience of peers",
    "decision_aid": "Decision aid",
    "other": "Information",
}

_CONSENT_KINDS: Final = {
    "consented": ("permit", "Consent to the proposed decision"),
    "objected": ("deny", "Objection to the proposed decision"),
    "delegated": ("permit", "Delegation of the decision to a professional"),
}


def bundle(conversation: Conversation) -> dict[str, Any]:
    """A FHIR R5 ``Bundle`` (type ``collection``) of one conversation, as JSON-ready data.

    The conversation is read through its public API only (its events, participants and
    decision); nothing is recorded.

    Example::

        import json
        from threetalk.fhir import bundle

        text = json.dumps(bundle(conv), ensure_ascii=False)

    Args:
        conversation: The conversation, live or reopened.

    Returns:
        A ``dict`` of ``str``, ``int``, ``bool``, ``list`` and ``dict`` values only, with
        the resources listed in the module's docstring. The same conversation (the same
        events) always gives an equal ``dict``.

    Raises:
        InvalidInput: ``conversation`` is not a :class:`~threetalk.Conversation`.
    """
    if not isinstance(conversation, Conversation):
        msg = f"conversation: expected a Conversation, got {type(conversation).__name__}"
        raise InvalidInput(msg, "conversation")
    return _Builder(conversation).bundle()


def _uuid(conversation_id: str, seq: int, resource_type: str) -> str:
    """The id of the ``resource_type`` made from event ``seq`` of a conversation."""
    return str(uuid.uuid5(_NAMESPACE, f"{conversation_id}\x00{seq}\x00{resource_type}"))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _narrative(sentence: str) -> dict[str, str]:
    """A generated narrative holding one escaped sentence."""
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(sentence)}</p></div>'
    return {"status": "generated", "div": div}


class _Builder:
    """The resources of one conversation's bundle, built in one pass over its events."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.id = conversation.id
        self.events = conversation.events
        self.people: Mapping[str, Participant] = {p.id: p for p in conversation.participants}
        self.entries: list[dict[str, Any]] = []
        #: seq -> fullUrl of that event's AuditEvent
        self.audit: dict[int, str] = {}
        #: option id -> its option-proposed event; question id -> its question-asked event
        self.proposed: dict[str, Event] = {}
        self.asked: dict[str, Event] = {}
        #: fullUrls of resources that do not come from the chain (not Provenance targets)
        self.definitions: set[str] = set()

    # ------------------------------------------------------------------ references

    def url(self, seq: int, resource_type: str) -> str:
        return f"urn:uuid:{_uuid(self.id, seq, resource_type)}"

    def person(self, participant_id: str | None) -> dict[str, Any]:
        """A logical reference to a participant (or to threetalk itself for ``None``)."""
        if participant_id is None:
            return dict(_SOFTWARE)
        known = self.people.get(participant_id)
        reference: dict[str, Any] = {
            "identifier": {"system": _PARTICIPANT, "value": f"{self.id}/{participant_id}"},
        }
        if known is not None:
            reference["display"] = known.name
        return reference

    def role(self, participant_id: str | None) -> Role | None:
        known = self.people.get(participant_id or "")
        return None if known is None else known.role

    def clients(self) -> list[str]:
        return [p.id for p in self.conversation.participants if p.role is Role.CLIENT]

    def subject(self, participant_id: str | None) -> dict[str, Any]:
        """The client a resource is about: the participant if a client, else the first."""
        if participant_id is not None and self.role(participant_id) is Role.CLIENT:
            return self.person(participant_id)
        clients = self.clients()
        return self.person(clients[0] if clients else participant_id)

    def identifier(self, event: Event) -> list[dict[str, str]]:
        return [{"system": _EVENT, "value": f"{self.id}/{event.seq}"}]

    def add(self, url: str, resource: dict[str, Any]) -> None:
        self.entries.append({"fullUrl": url, "resource": resource})

    # ------------------------------------------------------------------ the bundle

    def bundle(self) -> dict[str, Any]:
        for event in self.events:
            self.audit_event(event)
        acts = {
            "goal-added": self.goal,
            **dict.fromkeys(_CONSENT_KINDS, self.consent),
            "option-declined": self.decline,
            "conflict-checked": self.sure,
            "understanding-checked": self.teach_back,
            "role-preference-stated": self.role_preference,
            "question-asked": self.question,
            "question-answered": self.answer,
            "information-shared": self.information,
        }
        for event in self.events:
            if event.kind == "option-proposed":
                self.proposed[_text(event.data.get("option"))] = event
            elif event.kind == "question-asked":
                self.asked[_text(event.data.get("question"))] = event
            act = acts.get(event.kind)
            if act is not None:
                act(event)
        self.care_plan()
        self.provenance()
        last = self.events[-1]
        return {
            "resourceType": "Bundle",
            "id": _uuid(self.id, 0, "Bundle"),
            "identifier": {"system": _CONVERSATION, "value": self.id},
            "type": "collection",
            "timestamp": last.to_dict()["at"],
            "entry": self.entries,
        }

    def audit_event(self, event: Event) -> None:
        raw = event.to_dict()
        url = self.url(event.seq, "AuditEvent")
        self.audit[event.seq] = url
        agent: dict[str, Any] = {"who": self.person(event.actor)}
        role = self.role(event.actor)
        if role is not None:
            agent["role"] = [
                {"coding": [{"system": _ROLE, "code": role.value}], "text": role.value}
            ]
        agent["requestor"] = event.actor is not None
        outcome: dict[str, Any] = {
            "code": {"system": _OUTCOME, "code": "0", "display": "Success"},
        }
        severity = "informational"
        if event.kind == "refused":
            severity = "warning"
            reasons = raw["data"].get("reasons") or []
            outcome = {
                "code": {"system": _OUTCOME, "code": "4", "display": "Minor failure"},
                "detail": [
                    {
                        "coding": [{"system": _REASON, "code": _text(reason.get("code"))}],
                        "text": _text(reason.get("message")),
                    }
                    for reason in reasons
                    if isinstance(reason, dict) and reason.get("code")
                ]
                or [{"text": "The command was refused."}],
            }
        elif event.kind == "advisory":
            severity = "notice"
        detail: list[tuple[str, dict[str, Any]]] = [
            ("seq", {"valueInteger": event.seq}),
            ("kind", {"valueString": event.kind}),
            ("phase", {"valueString": event.phase.value}),
            ("data", {"valueString": json.dumps(raw["data"], ensure_ascii=False)}),
            ("prev", {"valueString": event.prev}),
            ("hash", {"valueString": event.hash}),
        ]
        self.add(
            url,
            {
                "resourceType": "AuditEvent",
                "id": _uuid(self.id, event.seq, "AuditEvent"),
                "category": [{"coding": [{"system": _EVENT_KIND, "code": "threetalk"}]}],
                "code": {
                    "coding": [{"system": _EVENT_KIND, "code": event.kind}],
                    "text": event.kind,
                },
                "action": "E",
                "severity": severity,
                "occurredDateTime": raw["at"],
                "recorded": raw["at"],
                "outcome": outcome,
                "agent": [agent],
                "source": {"observer": dict(_SOFTWARE)},
                "entity": [
                    {
                        "what": {
                            "identifier": {"system": _EVENT, "value": f"{self.id}/{event.seq}"}
                        },
                        "detail": [
                            {"type": {"coding": [{"system": _EVENT_DETAIL, "code": name}]}, **value}
                            for name, value in detail
                        ],
                    }
                ],
            },
        )

    def goal(self, event: Event) -> None:
        raw = event.to_dict()
        self.add(
            self.url(event.seq, "Goal"),
            {
                "resourceType": "Goal",
                "id": _uuid(self.id, event.seq, "Goal"),
                "identifier": self.identifier(event),
                "lifecycleStatus": "active",
                "description": {"text": _text(raw["data"].get("text"))},
                "subject": self.subject(event.actor),
                "startDate": raw["at"][:10],
                "source": self.person(event.actor),
            },
        )

    def consent(self, event: Event) -> None:
        raw = event.to_dict()
        decision, title = _CONSENT_KINDS[event.kind]
        who = self.person(event.actor)
        name = who.get("display", event.actor)
        resource: dict[str, Any] = {
            "resourceType": "Consent",
            "id": _uuid(self.id, event.seq, "Consent"),
            "identifier": self.identifier(event),
            "status": "active",
            "category": [{"coding": [{"system": _EVENT_KIND, "code": event.kind}], "text": title}],
            "subject": self.subject(event.actor),
            "date": raw["at"][:10],
            "grantor": [who],
            "decision": decision,
        }
        proposal = self.proposal_before(event.seq)
        what = "" if proposal is None else _text(proposal.to_dict()["data"].get("what"))
        if event.kind == "delegated":
            to = _text(raw["data"].get("to"))
            delegate = self.person(to)
            resource["grantee"] = [delegate]
            sentence = f"{name} delegated the decision to {delegate.get('display', to)}."
        elif event.kind == "objected":
            sentence = (
                f"{name} objected to the proposed decision ({what}): "
                f"{_text(raw['data'].get('reason'))}"
            )
        else:
            sentence = f"{name} consented to the proposed decision ({what})."
        if proposal is not None:
            if self.superseded(proposal.seq):
                # a consent or objection belongs to one proposal; a later one starts afresh
                resource["status"] = "inactive"
            resource["provision"] = [
                {
                    "data": [
                        {
                            "meaning": "related",
                            "reference": {"reference": self.audit[proposal.seq]},
                        }
                    ]
                }
            ]
        resource["text"] = _narrative(sentence)
        self.add(self.url(event.seq, "Consent"), resource)

    def decline(self, event: Event) -> None:
        """A client's decline of an option: a ``Consent`` that denies it."""
        raw = event.to_dict()
        data = raw["data"]
        option_id = _text(data.get("option"))
        proposed = self.proposed.get(option_id)
        option = {} if proposed is None else proposed.to_dict()["data"]
        text = _text(option.get("text")) or option_id
        who = self.person(event.actor)
        name = who.get("display", event.actor)
        sentence = f"{name} declined the option {text}: {_text(data.get('reason'))}"
        if option.get("obligation") is not None:
            sentence += (
                f" It is a legal obligation ({option['obligation']}); declining it records "
                "the client's view and does not settle it."
            )
        later = any(
            e.seq > event.seq
            and e.kind == "option-declined"
            and e.actor == event.actor
            and e.data.get("option") == option_id
            for e in self.events
        )
        resource: dict[str, Any] = {
            "resourceType": "Consent",
            "id": _uuid(self.id, event.seq, "Consent"),
            "identifier": self.identifier(event),
            # the client's latest decline of an option is the one that counts
            "status": "inactive" if later else "active",
            "category": [
                {
                    "coding": [{"system": _EVENT_KIND, "code": event.kind}],
                    "text": "Decline of an option",
                }
            ],
            "subject": self.subject(event.actor),
            "date": raw["at"][:10],
            "grantor": [who],
            "decision": "deny",
            "text": _narrative(sentence),
        }
        if proposed is not None:
            resource["provision"] = [
                {
                    "data": [
                        {
                            "meaning": "related",
                            "reference": {"reference": self.audit[proposed.seq]},
                        }
                    ]
                }
            ]
        self.add(self.url(event.seq, "Consent"), resource)

    def sure(self, event: Event) -> None:
        """A SURE check: a ``QuestionnaireResponse`` (and the questionnaire, once)."""
        if not self.definitions:
            self.questionnaire()
        raw = event.to_dict()
        data = raw["data"]
        answers = [bool(data.get(name)) for name, _ in _SURE_ITEMS]
        score = sum(answers)
        who = self.person(event.actor)
        items: list[dict[str, Any]] = [
            {"linkId": name, "text": question, "answer": [{"valueBoolean": answer}]}
            for (name, question), answer in zip(_SURE_ITEMS, answers, strict=True)
        ]
        items.append({"linkId": "score", "text": _SURE_SCORE, "answer": [{"valueInteger": score}]})
        verdict = "decisional conflict" if score < 4 else "no decisional conflict"
        self.add(
            self.url(event.seq, "QuestionnaireResponse"),
            {
                "resourceType": "QuestionnaireResponse",
                "id": _uuid(self.id, event.seq, "QuestionnaireResponse"),
                "identifier": self.identifier(event),
                "questionnaire": f"{SURE_QUESTIONNAIRE}|{_SURE_VERSION}",
                "status": "completed",
                "subject": who,
                "authored": raw["at"],
                "author": who,
                "source": who,
                "item": items,
                "text": _narrative(
                    f"SURE check of {who.get('display', event.actor)}: {score} of 4 ({verdict})."
                ),
            },
        )

    def questionnaire(self) -> None:
        """The SURE questionnaire, the same in every bundle that has a SURE check."""
        ident = str(uuid.uuid5(_NAMESPACE, f"questionnaire\x00sure\x00{_SURE_VERSION}"))
        url = f"urn:uuid:{ident}"
        self.definitions.add(url)
        items: list[dict[str, Any]] = [
            {"linkId": name, "text": question, "type": "boolean", "required": True}
            for name, question in _SURE_ITEMS
        ]
        items.append({"linkId": "score", "text": _SURE_SCORE, "type": "integer", "readOnly": True})
        self.add(
            url,
            {
                "resourceType": "Questionnaire",
                "id": ident,
                "url": SURE_QUESTIONNAIRE,
                "version": _SURE_VERSION,
                "name": "SURE",
                "title": "SURE test of decisional conflict",
                "status": "active",
                "description": (
                    "Four yes/no questions on decisional conflict (SURE, Légaré et al., 2010), "
                    "as threetalk records them; the score is the number of yes answers."
                ),
                "item": items,
            },
        )

    def observation(
        self, event: Event, about: str | None, code: str, text: str, value: dict[str, Any]
    ) -> dict[str, Any]:
        """An ``Observation`` of participant ``about`` made by the event's actor."""
        at = event.to_dict()["at"]
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": _uuid(self.id, event.seq, "Observation"),
            "identifier": self.identifier(event),
            "status": "final",
            "category": [{"coding": [{"system": _ACT, "code": event.kind}], "text": event.kind}],
            "code": {"coding": [{"system": _ACT, "code": code}], "text": text},
            "subject": self.subject(about),
            "effectiveDateTime": at,
            "issued": at,
            "performer": [self.person(event.actor)],
            **value,
        }
        if self.role(about) is not Role.CLIENT:
            # a relative's own answer or understanding: the client stays the subject
            resource["focus"] = [self.person(about)]
        self.add(self.url(event.seq, "Observation"), resource)
        return resource

    def teach_back(self, event: Event) -> None:
        """A teach-back check: an ``Observation`` with a boolean value and the note."""
        data = event.data
        of = _text(data.get("of"))
        resource = self.observation(
            event,
            of,
            "teach-back",
            "Understood what was explained, said back in their own words (teach-back)",
            {"valueBoolean": bool(data.get("understood"))},
        )
        resource["note"] = [{"text": _text(data.get("note"))}]

    def role_preference(self, event: Event) -> None:
        """A role preference: an ``Observation`` of the role the person wants in deciding."""
        preference = _text(event.data.get("preference"))
        display = _DECISION_ROLES.get(preference, preference)
        self.observation(
            event,
            event.actor,
            "role-preference",
            "Preferred role in deciding (the broad roles of the Control Preferences Scale)",
            {
                "valueCodeableConcept": {
                    "coding": [{"system": _DECISION_ROLE, "code": preference, "display": display}],
                    "text": display,
                }
            },
        )

    def communication(
        self, event: Event, category: dict[str, Any], content: str, **more: Any
    ) -> dict[str, Any]:
        """A ``Communication`` sent by the event's actor, its words as the payload."""
        resource: dict[str, Any] = {
            "resourceType": "Communication",
            "id": _uuid(self.id, event.seq, "Communication"),
            "identifier": self.identifier(event),
            "status": "completed",
            "category": [category],
            "subject": self.subject(event.actor),
            "sent": event.to_dict()["at"],
            "sender": self.person(event.actor),
            # R5 dropped contentString: plain words go in a CodeableConcept's text
            "payload": [{"contentCodeableConcept": {"text": content}}],
            **more,
        }
        self.add(self.url(event.seq, "Communication"), resource)
        return resource

    def question(self, event: Event) -> None:
        category = {"coding": [{"system": _ACT, "code": "question"}], "text": "Question"}
        self.communication(event, category, _text(event.data.get("text")))

    def answer(self, event: Event) -> None:
        category = {"coding": [{"system": _ACT, "code": "answer"}], "text": "Answer"}
        more: dict[str, Any] = {}
        asked = self.asked.get(_text(event.data.get("question")))
        if asked is not None:
            more["inResponseTo"] = [{"reference": self.url(asked.seq, "Communication")}]
            more["recipient"] = [self.person(asked.actor)]
        self.communication(event, category, _text(event.data.get("text")), **more)

    def information(self, event: Event) -> None:
        data = event.data
        kind = _text(data.get("kind"))
        category = {
            "coding": [{"system": _INFORMATION, "code": kind}],
            "text": _INFORMATION_KINDS.get(kind, kind),
        }
        more: dict[str, Any] = {}
        option_id = data.get("option")
        proposed = None if option_id is None else self.proposed.get(_text(option_id))
        if proposed is not None:
            more["topic"] = {"text": _text(proposed.data.get("text"))}
        self.communication(event, category, _text(data.get("text")), **more)

    def proposal_before(self, seq: int) -> Event | None:
        """The last ``decision-proposed`` event before ``seq``, if any."""
        found = None
        for event in self.events:
            if event.seq >= seq:
                break
            if event.kind == "decision-proposed":
                found = event
        return found

    def superseded(self, seq: int) -> bool:
        """Whether a later proposal replaced the one event ``seq`` made."""
        return any(e.seq > seq and e.kind == "decision-proposed" for e in self.events)

    def care_plan(self) -> None:
        decision = self.conversation.decision
        if decision is None:
            return
        # the decision in force is the one the last "decided" event made final
        decided = next(e for e in reversed(self.events) if e.kind == "decided")
        notes = [
            {"text": f"Review on {decision.review_on.isoformat()}."},
            {"text": f"Decided: {decision.how.value}."},
        ]
        if decision.justification:
            notes.append({"text": f"Justification: {decision.justification}"})
        if decision.option.expected_result is not None:
            notes.append({"text": f"Expected result: {decision.option.expected_result}"})
        if decision.option.obligation is not None:
            notes.append({"text": f"A legal obligation: {decision.option.obligation}"})
        for item in self.conversation.option_states:
            waiver = item.waiver
            if waiver is not None:
                who = self.person(waiver.by).get("display", waiver.by)
                notes.append(
                    {
                        "text": (
                            f"Obligation not applied: {item.option.text} "
                            f"({item.option.obligation}); {who} recorded why: "
                            f"{waiver.justification}"
                        )
                    }
                )
        goals = [
            {"reference": self.url(e.seq, "Goal")} for e in self.events if e.kind == "goal-added"
        ]
        resource: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": _uuid(self.id, decided.seq, "CarePlan"),
            "identifier": self.identifier(decided),
            "status": "active",
            "intent": "plan",
            "title": decision.option.text,
            "description": decision.what,
            "subject": self.subject(None),
            "period": {"start": decision.when.isoformat()},
            "created": decided.to_dict()["at"],
            "custodian": {"display": decision.who},
            "contributor": [self.person(p.id) for p in self.conversation.participants],
            "supportingInfo": [{"reference": self.audit[decided.seq]}],
            "note": notes,
        }
        if goals:
            resource["goal"] = goals
        self.add(self.url(decided.seq, "CarePlan"), resource)

    def provenance(self) -> None:
        last = self.events[-1]
        at = last.to_dict()["at"]
        targets = [
            {"reference": entry["fullUrl"]}
            for entry in self.entries
            if entry["fullUrl"] not in self.definitions
        ]
        self.add(
            self.url(last.seq, "Provenance"),
            {
                "resourceType": "Provenance",
                "id": _uuid(self.id, last.seq, "Provenance"),
                "target": targets,
                "occurredDateTime": at,
                "recorded": at,
                "agent": [{"who": dict(_SOFTWARE)}],
                "entity": [
                    {
                        "role": "source",
                        "what": {
                            "reference": self.audit[last.seq],
                            "identifier": {
                                "system": _CHAIN_HEAD,
                                "value": f"{self.id}/{last.seq}/{last.hash}",
                            },
                            "display": (
                                f"Chain head of conversation {self.id}: seq {last.seq}, "
                                f"hash {last.hash}"
                            ),
                        },
                    }
                ],
            },
        )
