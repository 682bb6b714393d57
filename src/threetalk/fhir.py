"""A conversation as a FHIR R5 ``Bundle``: the audit trail and what was agreed, for a care record.

:func:`bundle` turns one conversation into a JSON-ready ``dict`` (``json.dumps`` it as it
is) of type ``collection`` holding:

- an ``AuditEvent`` per event of the log (refusals as a failed outcome, advisories as
  notices), carrying the event's ``seq``, kind, phase, data, ``prev`` and ``hash``;
- a ``Provenance`` carrying the chain head (the last event's ``seq`` and ``hash``), with
  every other resource of the bundle as its target;
- a ``Goal`` per goal put on record;
- a ``Consent`` per consent, objection and delegation;
- a ``CarePlan`` for the final decision (what, when, who, review), when there is one.

Participants are logical references (an identifier and their name), not ``Patient`` or
``Practitioner`` resources: the app that embeds threetalk knows who they are in its own
record and can point the references there. Every resource has a stable id, derived from
the conversation id and the ``seq`` of the event it comes from, so the same conversation
always gives the same bundle. (A ``QuestionnaireResponse`` per SURE check follows once
conversations record SURE checks.)

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

__all__ = ["FHIR_VERSION", "SYSTEM", "bundle"]

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

#: The namespace of the bundle's name-based (version 5) UUIDs.
_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:threetalk:fhir")

_SOFTWARE: Final = {"display": "threetalk"}

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
        for event in self.events:
            if event.kind == "goal-added":
                self.goal(event)
            elif event.kind in _CONSENT_KINDS:
                self.consent(event)
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
        targets = [{"reference": entry["fullUrl"]} for entry in self.entries]
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
