"""Prompts: package data per protocol, chosen per step, role, language and condition."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest

import threetalk as tt
from threetalk._prompts import CONDITIONS

if TYPE_CHECKING:
    from pathlib import Path

P = tt.Phase
BUILT_IN = tuple(tt.builtin_protocols().values())


def _conversation(protocol: tt.Protocol | None = None) -> tt.Conversation:
    ticks = iter(datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=n) for n in range(999))
    return tt.Conversation(protocol, clock=lambda: next(ticks))


def _decision_talk(*, relative: bool = True) -> tuple[tt.Conversation, list[tt.Participant]]:
    conv = _conversation()
    client = conv.join("Mila", tt.Role.CLIENT)
    people = [client]
    if relative:
        people.append(conv.join("Tom", tt.Role.RELATIVE))
    pro = conv.join("Iris", tt.Role.PROFESSIONAL)
    people.append(pro)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.state_problem("Back pain at work", by=pro)
    conv.add_goal("Work without pain", by=client)
    conv.move_to(P.OPTION_TALK, by=pro)
    rest = conv.propose_option("Rest for a month", by=client)
    physio = conv.propose_option("Physiotherapy", by=pro)
    conv.add_consideration(rest, tt.Stance.PRO, "Simple", by=client)
    conv.add_consideration(physio, tt.Stance.CON, "Twice a week", by=client)
    conv.move_to(P.DECISION_TALK, by=pro)
    return conv, people


@pytest.mark.parametrize("protocol", BUILT_IN, ids=lambda protocol: protocol.name)
def test_every_step_has_three_prompts_in_dutch_and_english(protocol: tt.Protocol) -> None:
    """At least three prompts per step, each with a text in nl and en."""
    for step in protocol.steps:
        mine = [prompt for prompt in protocol.prompts if prompt.step == step.id]
        assert len(mine) >= 3, step.id
        assert all({"nl", "en"} <= set(prompt.text) for prompt in mine), step.id


@pytest.mark.parametrize("protocol", BUILT_IN, ids=lambda protocol: protocol.name)
def test_the_disagreement_path_has_prompts_of_its_own(protocol: tt.Protocol) -> None:
    """Prompts for differing preferences or an objection exist."""
    conditions = {name for prompt in protocol.prompts for name in prompt.when}

    assert conditions & {"preferences-differ", "objection-pending"}


def test_prompts_follow_the_step_and_the_role() -> None:
    """to=CLIENT gives the client's; to=PROFESSIONAL adds the professional's own."""
    conv = _conversation()
    conv.join("Mila", tt.Role.CLIENT)

    to_client = conv.prompts(to=tt.Role.CLIENT)
    to_pro = conv.prompts(to=tt.Role.PROFESSIONAL)
    everything = conv.prompts()

    assert to_client
    assert all(p.to is tt.Role.CLIENT and p.step == "preparation" for p in to_client)
    assert to_pro
    assert all(p.to in {None, tt.Role.PROFESSIONAL} for p in to_pro)
    assert set(to_client) | set(to_pro) <= set(everything)
    assert not conv.prompts(to=tt.Role.RELATIVE)  # no relative: relative-present fails


def test_conditions_choose_the_disagreement_path() -> None:
    """Differing preferences and an objection bring their own prompts."""
    conv, (client, relative, pro) = _decision_talk()
    rest, physio = conv.options
    before = {prompt.id for prompt in conv.prompts()}

    conv.state_preference(rest, by=client)
    conv.state_preference(physio, by=relative)
    differ = {prompt.id for prompt in conv.prompts()}
    conv.propose_decision(
        physio,
        who="Mila",
        what="Physio",
        when=date(2026, 12, 8),
        review_on=date(2027, 1, 5),
        by=pro,
    )
    conv.object("Too often", by=client)
    objected = {prompt.id for prompt in conv.prompts()}

    assert "decision-differ-urgent" not in before
    assert "decision-differ-urgent" in differ
    assert "decision-objection" not in differ
    assert "decision-objection" in objected


def test_the_conditions_each_hold_when_they_should() -> None:
    """The fixed set: each condition's check, false for acts that do not exist yet."""
    conv, (client, _relative, pro) = _decision_talk()
    holds = {name: check(conv) for name, (_, check) in CONDITIONS.items()}

    assert holds == {
        "relative-present": True,
        "relative-silent": True,
        "no-client-option": False,
        "objection-pending": False,
        "preferences-differ": False,
        "leaves-to-professional": False,
        "decisional-conflict": False,
        "question-open": False,
        "obligation-open": False,
    }
    conv.delegate(pro, by=client)
    assert CONDITIONS["leaves-to-professional"][1](conv)


def test_an_unknown_language_names_the_ones_there_are() -> None:
    """German is no language of the built-in prompts."""
    conv = _conversation()

    with pytest.raises(tt.InvalidInput, match="'de' is not one of en, nl"):
        conv.prompts(language="de")
    with pytest.raises(tt.InvalidInput, match="to: expected a Role"):
        conv.prompts(to="client")  # type: ignore[arg-type]


CATALOGUE = """
[[prompt]]
id = "ask-goal"
step = "team_talk"
to = "client"
text.de = "Was möchten Sie erreichen?"
text.en = "What do you want to reach?"

[[prompt]]
id = "ask-worry"
step = "team_talk"
to = "client"
text.en = "What worries you most?"
"""


def test_a_users_catalogue_replaces_the_prompts(tmp_path: Path) -> None:
    """Loaded and evolved in; prompts lacking the language asked for are left out."""
    path = tmp_path / "mine.toml"
    path.write_text(CATALOGUE, encoding="utf-8")
    prompts = tt.load_prompts(path)
    protocol = attrs.evolve(tt.three_talk(), prompts=prompts)
    conv = _conversation(protocol)
    conv.join("Mila", tt.Role.CLIENT)
    pro = conv.join("Iris", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=pro)

    assert [prompt.id for prompt in prompts] == ["ask-goal", "ask-worry"]
    assert prompts[0].text["de"] == "Was möchten Sie erreichen?"
    assert protocol.fingerprint == tt.three_talk().fingerprint  # words are presentation
    assert [p.id for p in conv.prompts(language="de", to=tt.Role.CLIENT)] == ["ask-goal"]
    assert [p.id for p in conv.prompts(to=tt.Role.CLIENT)] == ["ask-goal", "ask-worry"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('id = "x"\nstep = "team_talk"\nto = "nurse"\ntext.en = "Hi"', "to 'nurse' is not a role"),
        (
            'id = "x"\nstep = "team_talk"\nwhen = ["sunny"]\ntext.en = "Hi"',
            "unknown condition 'sunny'",
        ),
        ('id = "X y"\nstep = "team_talk"\ntext.en = "Hi"', "is not kebab-case"),
        ('id = "x"\nstep = "team_talk"\ntext.en = " "', "non-blank"),
        ('id = "x"\nstep = "team_talk"\ntext = "Hi"', "text must be a table"),
    ],
)
def test_a_malformed_entry_is_an_invalid_protocol(tmp_path: Path, entry: str, problem: str) -> None:
    """Each problem names the entry it is in."""
    path = tmp_path / "bad.toml"
    path.write_text(f"[[prompt]]\n{entry}\n", encoding="utf-8")

    with pytest.raises(tt.InvalidProtocol, match="prompt 1") as caught:
        tt.load_prompts(path)
    assert problem in str(caught.value)


def test_a_prompt_of_an_unknown_step_is_invalid_on_the_protocol(tmp_path: Path) -> None:
    """Steps are checked when the prompts meet a protocol."""
    path = tmp_path / "steps.toml"
    path.write_text('[[prompt]]\nid = "x"\nstep = "chat"\ntext.en = "Hi"\n', encoding="utf-8")
    prompts = tt.load_prompts(path)

    with pytest.raises(tt.InvalidProtocol, match="prompt 'x' names step 'chat'"):
        attrs.evolve(tt.three_talk(), prompts=prompts)


def test_not_toml_and_no_file(tmp_path: Path) -> None:
    """A file that is not TOML is InvalidProtocol; one that cannot be read, InvalidInput."""
    path = tmp_path / "broken.toml"
    path.write_text("[[prompt]\n", encoding="utf-8")

    with pytest.raises(tt.InvalidProtocol, match="is not TOML"):
        tt.load_prompts(path)
    with pytest.raises(tt.InvalidInput, match="cannot read"):
        tt.load_prompts(tmp_path / "missing.toml")
