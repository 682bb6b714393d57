"""``threetalk.fhir.bundle``: FHIR R5 bundles, validated with the ``fhir.resources`` R5 models."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import fhir.resources
import pytest
from fhir.resources.bundle import Bundle

import threetalk as tt
from threetalk._demo import run_conversation
from threetalk._demo_cases import CASES, play
from threetalk.fhir import FHIR_VERSION, SURE_QUESTIONNAIRE, bundle
from threetalk.store import MemoryStore

if TYPE_CHECKING:
    from conftest import StepClock

KEY = b"f" * 32


def validated(conv: tt.Conversation) -> dict[str, Any]:
    """The bundle of ``conv``, after the R5 models accepted it and its JSON round trip."""
    made = bundle(conv)
    Bundle.model_validate(made)
    assert json.loads(json.dumps(made, ensure_ascii=False)) == made
    return made


def resources(made: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """The resources of one type in a bundle, in order."""
    return [
        entry["resource"]
        for entry in made["entry"]
        if entry["resource"]["resourceType"] == resource_type
    ]


def details(audit_event: dict[str, Any]) -> dict[str, Any]:
    """An AuditEvent's entity details by name: seq, kind, phase, data, prev, hash."""
    found = {}
    for detail in audit_event["entity"][0]["detail"]:
        name = detail["type"]["coding"][0]["code"]
        found[name] = detail.get("valueInteger", detail.get("valueString"))
    return found


def delegated(clock: StepClock, key: bytes | None = None) -> tt.Conversation:
    """A decision the only client delegated to the professional, with a goal on record."""
    store = None if key is None else MemoryStore(key=key)
    conv = tt.Conversation(conversation_id="delegated", clock=clock, store=store)
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.add_goal("Sleep through the night", by=client)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("Pain at night", by=pro)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    rest = conv.propose_option("Rest first", by=client)
    walk = conv.propose_option("Walk daily", by=pro)
    conv.add_consideration(rest, tt.Stance.PRO, "Less pain", by=client)
    conv.add_consideration(walk, tt.Stance.CON, "Tiring", by=client)
    conv.state_preference(None, by=client)
    conv.move_to(tt.Phase.DECISION_TALK, by=pro)
    conv.delegate(pro, by=client)
    conv.propose_decision(
        walk,
        who="Therapist",
        what="Walk twenty minutes a day",
        when=date(2026, 12, 1),
        review_on=date(2027, 1, 12),
        by=pro,
    )
    return conv


def every_act(clock: StepClock) -> tt.Conversation:
    """A work-and-income conversation that uses every act of the guides, and a decision."""
    conv = tt.Conversation(tt.work_and_income(), conversation_id="acts", clock=clock)
    client = conv.join("Mehmet", tt.Role.CLIENT)
    partner = conv.join("Aylin", tt.Role.RELATIVE)
    manager = conv.join("Sandra", tt.Role.PROFESSIONAL)
    conv.state_role_preference(tt.DecisionRole.SHARE, by=client)
    conv.state_role_preference(tt.DecisionRole.LEAVE_TO_PROFESSIONAL, by=partner)
    conv.add_goal("An office job within a year", by=client)
    conv.move_to(tt.Phase.TEAM_TALK, by=manager)
    conv.state_problem("No work for two years since a back injury", by=manager)
    conv.add_analysis(tt.Analysis.STRENGTH, "Good with numbers", by=client)
    question = conv.ask("Will my benefit be cut?", by=client)
    conv.answer(question, "Not while we talk it through", by=manager)
    conv.check_understanding(client, understood=False, note="Thinks he must say yes", by=manager)
    conv.check_understanding(client, understood=True, note="Says he may say no", by=manager)
    conv.check_understanding(partner, understood=True, note="Retells the options", by=manager)
    conv.move_to(tt.Phase.OPTION_TALK, by=manager)
    course = conv.propose_option("A course in administration", by=client)
    cousin = conv.propose_option(
        "A trial day at a cousin's firm", by=partner, source=tt.Source.NETWORK
    )
    coach = conv.propose_option(
        "A job coach for three months",
        by=manager,
        expected_result="Two interviews within three months",
    )
    unpaid = conv.propose_option(
        "Unpaid work three mornings a week",
        by=manager,
        obligation="Participation Act, article 9(1)(c)",
    )
    for option in (course, cousin, coach, unpaid):
        conv.add_consideration(option, tt.Stance.PRO, "Something to say for it", by=client)
    conv.share_information(
        "Leaflet on job coaching", kind=tt.Information.LEAFLET, option=coach, by=manager
    )
    conv.decline(unpaid, "It takes the mornings", by=client)
    conv.decline(unpaid, "It takes the mornings the course needs", by=client)
    conv.check_conflict(sure=True, informed=True, values_clear=False, supported=True, by=client)
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=partner)
    with pytest.raises(tt.Refused):
        conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=manager)
    conv.move_to(tt.Phase.DECISION_TALK, by=manager)
    conv.state_preference(coach, by=client)
    conv.state_preference(coach, by=partner)
    conv.waive(unpaid, "The coach leads to regular work sooner", by=manager)
    conv.propose_decision(
        coach,
        who="Mehmet and the job coach",
        what="Three months of job coaching",
        when=date(2026, 12, 1),
        review_on=date(2027, 3, 1),
        by=manager,
    )
    conv.consent(by=client)
    return conv


def made_from(
    conv: tt.Conversation, made: dict[str, Any], resource_type: str, kind: str
) -> list[dict[str, Any]]:
    """The resources of one type made from the events of one kind, in order."""
    events = {f"{conv.id}/{event.seq}" for event in conv.events if event.kind == kind}
    return [
        resource
        for resource in resources(made, resource_type)
        if resource["identifier"][0]["value"] in events
    ]


class TestBundle:
    def test_the_models_are_r5(self) -> None:
        """The validating models are those of the release the bundles claim."""
        assert fhir.resources.__fhir_version__ == FHIR_VERSION == "5.0.0"

    def test_a_whole_decided_conversation(self) -> None:
        """The demo conversation: an AuditEvent per event, a Goal per goal, a Consent per
        consent and objection, one CarePlan for the decision and a Provenance with the head."""
        conv = run_conversation()

        made = validated(conv)

        kinds = [event.kind for event in conv.events]
        assert made["type"] == "collection"
        assert len(resources(made, "AuditEvent")) == len(conv.events)
        assert len(resources(made, "Goal")) == kinds.count("goal-added") == 1
        assert len(resources(made, "Consent")) == 2
        [plan] = resources(made, "CarePlan")
        decision = conv.decision
        assert decision is not None
        assert plan["description"] == decision.what
        assert plan["period"] == {"start": decision.when.isoformat()}
        assert plan["custodian"] == {"display": decision.who}
        assert {"text": f"Review on {decision.review_on.isoformat()}."} in plan["note"]
        assert plan["goal"] == [{"reference": made["entry"][len(conv.events)]["fullUrl"]}]
        [provenance] = resources(made, "Provenance")
        head = provenance["entity"][0]["what"]["identifier"]["value"]
        assert head == f"{conv.id}/{conv.events[-1].seq}/{conv.events[-1].hash}"
        assert len(provenance["target"]) == len(made["entry"]) - 1

    def test_audit_events_carry_seq_kind_and_hash(self) -> None:
        """Every AuditEvent names its event's seq, kind, prev and hash, and its actor."""
        conv = run_conversation()

        audit = resources(validated(conv), "AuditEvent")

        for event, resource in zip(conv.events, audit, strict=True):
            found = details(resource)
            assert (found["seq"], found["kind"]) == (event.seq, event.kind)
            assert (found["prev"], found["hash"]) == (event.prev, event.hash)
            assert json.loads(found["data"]) == event.to_dict()["data"]
            who = resource["agent"][0]["who"]
            if event.actor is None:
                assert who == {"display": "threetalk"}
            else:
                assert who["display"] == conv.participant(event.actor).name

    def test_refusals_are_failed_outcomes(self) -> None:
        """A refused command's AuditEvent has a failed outcome naming the reasons; the
        others succeed."""
        conv = run_conversation()

        audit = resources(validated(conv), "AuditEvent")

        refused = [r for r, e in zip(audit, conv.events, strict=True) if e.kind == "refused"]
        others = [r for r, e in zip(audit, conv.events, strict=True) if e.kind != "refused"]
        assert len(refused) == 2
        assert {r["outcome"]["code"]["code"] for r in refused} == {"4"}
        assert refused[0]["outcome"]["detail"][0]["coding"][0]["code"] == "needs-two-options"
        assert {r["outcome"]["code"]["code"] for r in others} == {"0"}

    def test_an_objection_to_a_replaced_proposal_is_inactive(self) -> None:
        """Consents belong to one proposal: the objection to the first is no longer active,
        the consent to the second is."""
        made = validated(run_conversation())

        objection, consent = resources(made, "Consent")

        assert (objection["decision"], objection["status"]) == ("deny", "inactive")
        assert (consent["decision"], consent["status"]) == ("permit", "active")
        assert "too much in the first weeks" in objection["text"]["div"]

    def test_a_delegated_decision(self, clock: StepClock) -> None:
        """A delegation is a Consent granting the decision to the professional; the
        CarePlan says it was delegated."""
        conv = delegated(clock)

        made = validated(conv)

        [consent] = resources(made, "Consent")
        assert consent["grantee"][0]["display"] == "Therapist"
        assert consent["grantor"][0]["display"] == "Client"
        [plan] = resources(made, "CarePlan")
        assert {"text": "Decided: delegated."} in plan["note"]
        assert plan["subject"]["display"] == "Client"

    def test_a_keyed_conversation(self, clock: StepClock) -> None:
        """A conversation with keyed chains gives a valid bundle with the keyed hashes."""
        conv = delegated(clock, KEY)

        audit = resources(validated(conv), "AuditEvent")

        assert [details(r)["hash"] for r in audit] == [e.hash for e in conv.events]
        assert tt.verify(conv.events, key=KEY).seq == len(conv.events)

    def test_names_beyond_ascii_and_markup(self, clock: StepClock) -> None:
        """Names and text in any script survive; markup in them is escaped in narratives."""
        conv = tt.Conversation(conversation_id="zoë-李", clock=clock)
        client = conv.join("Zoë <b>Ångström</b> 李雷", tt.Role.CLIENT)
        pro = conv.join("Dr. Müller & Søn", tt.Role.PROFESSIONAL)
        conv.add_goal("Weer fietsen naar de bakkerij — ça va", by=client)
        conv.move_to(tt.Phase.TEAM_TALK, by=pro)
        conv.state_problem("Stijve knieën", by=pro)
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)
        one = conv.propose_option("Fysiotherapie 🚲", by=client)
        two = conv.propose_option("Rust", by=pro)
        conv.add_consideration(one, tt.Stance.PRO, "Beweging", by=client)
        conv.add_consideration(two, tt.Stance.CON, "Stijfheid", by=client)
        conv.state_preference(one, by=client)
        conv.move_to(tt.Phase.DECISION_TALK, by=pro)
        conv.propose_decision(
            one,
            who="Zoë en Dr. Müller",
            what="Twee keer per week fietsen",
            when=date(2026, 12, 1),
            review_on=date(2027, 1, 12),
            by=pro,
        )
        conv.object("Te vroeg <nu>", by=client)

        made = validated(conv)

        [goal] = resources(made, "Goal")
        assert goal["description"]["text"] == "Weer fietsen naar de bakkerij — ça va"
        assert goal["subject"]["display"] == "Zoë <b>Ångström</b> 李雷"
        [objection] = resources(made, "Consent")
        assert "Zoë &lt;b&gt;Ångström&lt;/b&gt; 李雷" in objection["text"]["div"]
        assert "Te vroeg &lt;nu&gt;" in objection["text"]["div"]
        assert resources(made, "CarePlan") == []

    def test_the_same_conversation_gives_the_same_bundle(self) -> None:
        """Ids derive from the conversation id and seq: a replay gives an equal bundle,
        every id is unique, and every reference inside the bundle resolves."""
        conv = run_conversation()

        made = validated(conv)
        again = bundle(tt.replay(conv.events))

        assert again == made
        urls = [entry["fullUrl"] for entry in made["entry"]]
        assert len(set(urls)) == len(urls)
        ids = [f"urn:uuid:{entry['resource']['id']}" for entry in made["entry"]]
        assert ids == urls
        text = json.dumps(made)
        referenced = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
        assert referenced
        assert referenced <= set(urls)

    def test_the_validator_can_say_no(self) -> None:
        """The R5 models refuse an AuditEvent without its agent: the validation is real."""
        made = bundle(run_conversation())
        del made["entry"][0]["resource"]["agent"]

        with pytest.raises(ValueError, match="agent"):
            Bundle.model_validate(made)

    def test_only_a_conversation(self) -> None:
        """Anything but a Conversation is InvalidInput."""
        with pytest.raises(tt.InvalidInput, match="expected a Conversation"):
            bundle(run_conversation().events)  # type: ignore[arg-type]

    def test_importing_it_imports_nothing_optional(self) -> None:
        """threetalk.fhir needs only the standard library and threetalk."""
        code = (
            "import sys, threetalk.fhir; "
            "print(sorted(m for m in ('fhir', 'pydantic', 'psycopg') if m in sys.modules))"
        )

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert out.stdout.strip() == "[]"


class TestActs:
    def test_every_act_validates(self, clock: StepClock) -> None:
        """A conversation with every act of the guides gives a bundle the R5 models accept,
        with an AuditEvent per event and the same bundle again after a replay."""
        conv = every_act(clock)

        made = validated(conv)

        assert len(resources(made, "AuditEvent")) == len(conv.events)
        assert bundle(tt.replay(conv.events)) == made

    def test_a_sure_check_is_a_questionnaire_response(self, clock: StepClock) -> None:
        """Each SURE check is a completed QuestionnaireResponse of the SURE questionnaire:
        four boolean answers and the score; a refused check gives none."""
        conv = every_act(clock)

        made = validated(conv)

        [questionnaire] = resources(made, "Questionnaire")
        assert questionnaire["url"] == SURE_QUESTIONNAIRE
        assert [item["linkId"] for item in questionnaire["item"]] == [
            "sure",
            "informed",
            "values_clear",
            "supported",
            "score",
        ]
        assert [item["type"] for item in questionnaire["item"]] == ["boolean"] * 4 + ["integer"]
        responses = resources(made, "QuestionnaireResponse")
        checks = [e for e in conv.events if e.kind == "conflict-checked"]
        assert len(responses) == len(checks) == 2
        for response, event in zip(responses, checks, strict=True):
            assert response["status"] == "completed"
            assert response["questionnaire"] == f"{SURE_QUESTIONNAIRE}|1"
            answers = {item["linkId"]: item["answer"][0] for item in response["item"]}
            for name in ("sure", "informed", "values_clear", "supported"):
                assert answers[name] == {"valueBoolean": event.data[name]}
            score = sum(
                event.data[name] for name in ("sure", "informed", "values_clear", "supported")
            )
            assert answers["score"] == {"valueInteger": score}
            assert response["author"]["display"] == conv.participant(event.actor).name
        assert [r["item"][-1]["answer"][0]["valueInteger"] for r in responses] == [3, 4]

    def test_the_sure_questionnaire_is_the_same_everywhere(self, clock: StepClock) -> None:
        """The SURE questionnaire has one id in every bundle, it is no Provenance target,
        and a bundle without SURE checks has none."""
        one = validated(every_act(clock))
        other = validated(play("client_guide"))

        assert resources(one, "Questionnaire") == resources(other, "Questionnaire")
        [questionnaire] = [
            e for e in one["entry"] if e["resource"]["resourceType"] == "Questionnaire"
        ]
        [provenance] = resources(one, "Provenance")
        targets = {target["reference"] for target in provenance["target"]}
        assert questionnaire["fullUrl"] not in targets
        assert len(targets) == len(one["entry"]) - 2
        assert resources(validated(run_conversation()), "Questionnaire") == []

    def test_teach_back_and_role_preferences_are_observations(self, clock: StepClock) -> None:
        """A teach-back check is an Observation with a boolean value and the note; a role
        preference one with the role as a code; a relative's is about the client, with the
        relative as its focus."""
        conv = every_act(clock)

        made = validated(conv)

        checks = made_from(conv, made, "Observation", "understanding-checked")
        assert [check["valueBoolean"] for check in checks] == [False, True, True]
        assert checks[0]["note"] == [{"text": "Thinks he must say yes"}]
        assert checks[0]["performer"][0]["display"] == "Sandra"
        assert checks[0]["subject"]["display"] == "Mehmet"
        assert "focus" not in checks[0]
        assert checks[2]["subject"]["display"] == "Mehmet"
        assert checks[2]["focus"][0]["display"] == "Aylin"
        roles = made_from(conv, made, "Observation", "role-preference-stated")
        codes = [role["valueCodeableConcept"]["coding"][0]["code"] for role in roles]
        assert codes == ["share", "leave_to_professional"]
        assert roles[1]["focus"][0]["display"] == "Aylin"

    def test_questions_answers_and_information_are_communications(self, clock: StepClock) -> None:
        """A question, its answer (in response to it, to the one who asked) and information
        handed over are Communications carrying their words; information names its option."""
        conv = every_act(clock)

        made = validated(conv)

        [question] = made_from(conv, made, "Communication", "question-asked")
        [answer] = made_from(conv, made, "Communication", "question-answered")
        [leaflet] = made_from(conv, made, "Communication", "information-shared")
        url = {entry["resource"]["id"]: entry["fullUrl"] for entry in made["entry"]}
        assert question["payload"] == [
            {"contentCodeableConcept": {"text": "Will my benefit be cut?"}}
        ]
        assert question["sender"]["display"] == "Mehmet"
        assert answer["inResponseTo"] == [{"reference": url[question["id"]]}]
        assert answer["recipient"][0]["display"] == "Mehmet"
        assert answer["sender"]["display"] == "Sandra"
        assert leaflet["category"][0]["coding"][0]["code"] == "leaflet"
        assert leaflet["topic"] == {"text": "A job coach for three months"}

    def test_a_decline_is_a_denying_consent(self, clock: StepClock) -> None:
        """A client's decline is a Consent that denies, linked to the option's proposal; the
        latest decline counts; declining an obligation says that it does not settle it."""
        conv = every_act(clock)

        made = validated(conv)

        first, latest = made_from(conv, made, "Consent", "option-declined")
        assert (first["decision"], first["status"]) == ("deny", "inactive")
        assert (latest["decision"], latest["status"]) == ("deny", "active")
        assert "does not settle it" in latest["text"]["div"]
        [proposed] = [
            e for e in conv.events if e.kind == "option-proposed" and e.data.get("obligation")
        ]
        url = {entry["resource"]["id"]: entry["fullUrl"] for entry in made["entry"]}
        audit = resources(made, "AuditEvent")[proposed.seq - 1]
        assert latest["provision"][0]["data"][0]["reference"] == {"reference": url[audit["id"]]}

    def test_the_care_plan_keeps_the_result_and_the_waiver(self, clock: StepClock) -> None:
        """The CarePlan of a decision notes the expected result of the option decided on and
        every obligation waived, with the justification."""
        conv = every_act(clock)

        [plan] = resources(validated(conv), "CarePlan")

        notes = [note["text"] for note in plan["note"]]
        assert "Expected result: Two interviews within three months" in notes
        assert (
            "Obligation not applied: Unpaid work three mornings a week (Participation Act, "
            "article 9(1)(c)); Sandra recorded why: The coach leads to regular work sooner"
        ) in notes

    def test_an_analysis_stays_in_the_audit_trail(self, clock: StepClock) -> None:
        """An entry of the analysis has no resource of its own: its AuditEvent holds it."""
        conv = every_act(clock)

        made = validated(conv)

        [event] = [e for e in conv.events if e.kind == "analysis-added"]
        found = [
            entry["resource"]["resourceType"]
            for entry in made["entry"]
            if entry["resource"].get("identifier", [{}])[0].get("value") == f"{conv.id}/{event.seq}"
        ]
        assert found == []
        assert json.loads(details(resources(made, "AuditEvent")[event.seq - 1])["data"]) == {
            "kind": "strength",
            "text": "Good with numbers",
        }

    @pytest.mark.parametrize("language", ["en", "nl"])
    @pytest.mark.parametrize("protocol", sorted(CASES))
    def test_every_demo_case(self, protocol: str, language: str) -> None:
        """The demo's case of every protocol, in either language, gives a valid bundle."""
        conv = play(protocol, language)

        made = validated(conv)

        assert len(resources(made, "AuditEvent")) == len(conv.events)
        assert len(resources(made, "CarePlan")) == 1
