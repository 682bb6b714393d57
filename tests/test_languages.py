"""Reasons and advisories read in Dutch and English, from what they are built of."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import given

import threetalk as tt
from scenarios import scripted
from threetalk._messages import catalogue
from threetalk.store import MemoryStore, import_jsonl, open_conversation

ROOT = Path(__file__).parent.parent
P = tt.Phase


def _conversation() -> tt.Conversation:
    ticks = iter(datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=n) for n in range(999))
    return tt.Conversation(clock=lambda: next(ticks))


def test_every_documented_code_has_a_dutch_template() -> None:
    """Every code of the guide's tables (the engine's, a test keeps them equal) renders in nl."""
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    codes = set(re.findall(r"^\| [RA]?\d* *\| `([a-z0-9-]+)` \|", guide, re.MULTILINE))
    messages = catalogue()["messages"]

    assert len(codes) > 40
    assert sorted(code for code in codes if "nl" not in messages.get(code, {})) == []


def test_a_refusal_reads_in_both_languages() -> None:
    """English is the recorded message; Dutch is built from the params, names included."""
    conv = _conversation()
    client = conv.join("Sanne", tt.Role.CLIENT)
    pro = conv.join("Joris", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.state_problem("Sleeps badly", by=pro)
    conv.add_goal("Sleep through", by=client)
    conv.move_to(P.OPTION_TALK, by=pro)
    conv.propose_option("Sleep diary", by=client)

    reasons = conv.why_not(P.DECISION_TALK)

    assert [reason.code for reason in reasons] == [
        "needs-two-options",
        "option-without-considerations",
    ]
    two, bare = reasons
    assert two.text("en") == two.message
    assert two.text("nl") == (
        "Kiezen kan pas met minstens twee mogelijkheden; er ligt er één (Sleep diary). "
        "Afwachten of niets doen telt ook als mogelijkheid."
    )
    assert "Sleep diary" in bare.text("nl")
    with pytest.raises(tt.Refused) as caught:
        conv.consent(by=pro)
    (wrong,) = caught.value.reasons
    assert wrong.text("nl") == (
        "Alleen een cliënt kan instemmen met een besluit; Joris doet mee als professional."
    )
    refused = conv.events[-1].data["reasons"][0]
    assert refused["params"] == {"act": "consent_act", "name": "Joris", "role": "professional"}


def test_phases_and_lists_are_said_in_the_language() -> None:
    """A misplaced command names its phases in Dutch, joined with 'of'."""
    conv = _conversation()
    client = conv.join("Sanne", tt.Role.CLIENT)

    with pytest.raises(tt.Refused) as caught:
        conv.add_concern("Worried", by=client)
    reason = caught.value.reasons[0]
    with pytest.raises(tt.Refused) as later:
        conv.state_preference(None, by=client)

    assert reason.text("nl") == "Zorgen horen bij teamgesprek; het gesprek is in voorbereiding."
    assert later.value.reasons[0].text("nl") == (
        "Voorkeuren horen bij optiegesprek of beslisgesprek; het gesprek is in voorbereiding."
    )


def test_an_unknown_language_names_the_ones_there_are() -> None:
    """Asking for German is InvalidInput listing English and Dutch."""
    reason = tt.Reason("needs-problem-statement", "No problem yet.", "R2")

    with pytest.raises(tt.InvalidInput, match="'de' is not one of en, nl"):
        reason.text("de")
    with pytest.raises(tt.InvalidInput, match="language code"):
        reason.text(3)  # type: ignore[arg-type]


def test_a_rule_of_ones_own_says_the_same_in_every_language() -> None:
    """A check returning a plain string is shown as it is; the code is the rule's."""
    rule = tt.Rule("needs-coffee", "", lambda view: "Bring coffee first.")
    protocol = attrs.evolve(tt.three_talk(), name="mine", entry_rules={P.TEAM_TALK: (rule,)})
    conv = tt.Conversation(protocol)

    (reason,) = conv.why_not(P.TEAM_TALK)

    assert reason.code == "needs-coffee"
    assert reason.text("nl") == reason.text("en") == "Bring coffee first."


def test_advisories_read_in_both_languages() -> None:
    """A3 names the participant and the phase in Dutch."""
    conv = _conversation()
    client = conv.join("Sanne", tt.Role.CLIENT)
    pro = conv.join("Joris", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.state_problem("Sleeps badly", by=pro)
    conv.add_goal("Sleep through", by=client)
    conv.move_to(P.OPTION_TALK, by=pro)
    conv.propose_option("Pills", by=pro)

    (first,) = conv.advisories

    assert first.text("en") == first.message
    assert first.text("nl") == (
        "Joris droeg een mogelijkheid aan voordat een cliënt of naaste dat deed."
    )
    assert tt.replay(conv.events).advisories[0].text("nl") == first.text("nl")


def test_reasons_and_advisories_recorded_before_params_still_render() -> None:
    """From the fixture of before: fixed texts in Dutch, the rest in the recorded English."""
    store = MemoryStore()
    import_jsonl(ROOT / "tests" / "data" / "before-guides.jsonl", store)
    later = datetime(2027, 1, 11, 9, tzinfo=UTC)
    conv = open_conversation(store, "before-guides-three-talk", clock=lambda: later)

    texts = {advisory.code: advisory for advisory in conv.advisories}
    hasty = texts["no-pause-before-decision"]
    silent = texts["silent-participant"]
    refused = next(event for event in conv.events if event.kind == "refused")
    recorded = [tt.Reason(**reason) for reason in refused.data["reasons"]]

    assert hasty.text("nl").startswith("Het besluit viel in dezelfde zitting")
    assert silent.params == {}
    assert silent.text("nl") == silent.message
    assert [reason.code for reason in recorded] == ["needs-two-options"]
    assert recorded[0].text("nl") == recorded[0].message  # its Dutch needs what it lacks


def test_a_check_may_return_a_reason_or_name_its_params() -> None:
    """A Reason keeps its params (its code becomes the rule's); params= is asked only when unmet."""
    asked: list[str] = []

    def names(view: object) -> dict[str, object]:
        asked.append("params")
        return {"names": ["Sanne"]}

    returned = tt.Rule(
        "needs-problem-statement",
        "",
        lambda view: tt.Reason("", "No problem.", "", {"x": "1"}),
    )
    named = tt.Rule("missing-preference", "R7", lambda view: "Sanne has not.", params=names)
    quiet = tt.Rule("missing-preference", "R7", lambda view: None, params=names)
    conv = _conversation()

    from_reason = returned.reason(conv)
    from_params = named.reason(conv)

    assert from_reason is not None
    assert (from_reason.code, dict(from_reason.params)) == ("needs-problem-statement", {"x": "1"})
    assert from_params is not None
    assert from_params.text("nl").endswith("nog niet gedaan door: Sanne.")
    assert quiet.reason(conv) is None
    assert asked == ["params"]


@given(scripted())
def test_every_reason_and_advisory_a_script_records_reads_in_dutch(scene) -> None:
    """Whatever a random script gets refused or advised, under any built-in protocol, its
    Dutch template finds every parameter it needs (else the English would be shown)."""
    for event in scene.conv.events:
        if event.kind == "refused":
            recorded = event.data["reasons"]
        elif event.kind == "advisory":
            recorded = [event.data]
        else:
            continue
        for item in recorded:
            reason = tt.Reason(item["code"], item["message"], item["rule"], item.get("params"))
            assert reason.text("nl") != item["message"], item["code"]
