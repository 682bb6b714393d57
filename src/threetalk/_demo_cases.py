"""The cases ``threetalk demo`` plays: one per built-in protocol, each in English and Dutch.

Every case follows its guide, with the acts that guide names: the partner who helps find a
third option in rehabilitation, a mother and son who are both clients in youth care, a
client who prepares her questions with the client's guide, an obligation of the law that
the client declines and the client manager waives in work and income, a client and his
mother who prefer different things in the six-step guide, and Sam's stalled recovery for
the three-talk model. The people are made up; their situations follow the examples the
guides give. A case is written once: ``say(english, dutch)`` picks the words of the
language it is played in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

import threetalk as tt

if TYPE_CHECKING:
    from collections.abc import Mapping

#: ``say(english, dutch)``: the words of the language a case is played in.
Say = Callable[[str, str], str]

C = tt.Role.CLIENT
R = tt.Role.RELATIVE
P = tt.Role.PROFESSIONAL


class SittingClock:
    """Simulated time: a minute per utterance; ``skip`` jumps ahead between sittings."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def skip(self, delta: timedelta) -> None:
        self.now += delta

    @property
    def today(self) -> date:
        return self.now.date()


def attempt(command: Callable[[], object]) -> None:
    """Run a command that the rules may refuse; the refusal is in the log either way."""
    with contextlib.suppress(tt.Refused):
        command()


@attrs.frozen
class Case:
    """One demo conversation: the protocol it follows, its introduction and its script.

    Attributes:
        protocol: The name of the built-in protocol.
        intro: Who takes part and what is at stake, per language.
        play: Plays the conversation in the language ``say`` picks and returns it.
    """

    protocol: str
    intro: tt.Text
    play: Callable[[Say], tt.Conversation]


def _speaker(language: str) -> Say:
    if language == "nl":
        return lambda _english, dutch: dutch
    return lambda english, _dutch: english


def play(protocol: str, language: str = "en") -> tt.Conversation:
    """Play the case of ``protocol`` in ``language`` (``"en"`` or ``"nl"``) and return it."""
    return CASES[protocol].play(_speaker(language))


def run_conversation() -> tt.Conversation:
    """The conversation ``threetalk demo`` plays by default: Sam's, in English."""
    return play("three_talk")


# ---------------------------------------------------------------------- three_talk


def _three_talk(say: Say) -> tt.Conversation:
    """Sam, after a stroke, with partner Noor and physiotherapist Eva: progress has stalled."""
    clock = SittingClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    conv = tt.Conversation(conversation_id="demo-sam-rehabilitation", clock=clock)
    sam = conv.join("Sam", C)
    noor = conv.join("Noor", R)
    eva = conv.join("Eva", P)

    conv.add_topic(
        say(
            "Can I keep training without leaving home?",
            "Kan ik blijven trainen zonder van huis weg te gaan?",
        ),
        by=sam,
    )
    conv.add_goal(
        say("Walk to the corner shop on my own", "Zelf naar de winkel op de hoek lopen"), by=sam
    )
    conv.add_topic(
        say(
            "Who looks after the children if Sam is admitted?",
            "Wie zorgt er voor de kinderen als Sam wordt opgenomen?",
        ),
        by=noor,
    )

    conv.move_to(tt.Phase.TEAM_TALK, by=eva)
    conv.state_problem(
        say(
            "Two outpatient days a week no longer bring progress",
            "Twee poliklinische dagen per week brengen geen vooruitgang meer",
        ),
        by=eva,
    )
    conv.add_concern(say("Being away from home for weeks", "Wekenlang van huis zijn"), by=sam)
    conv.add_concern(say("Sam gets tired quickly", "Sam is snel moe"), by=noor)
    attempt(lambda: conv.move_to(tt.Phase.DECISION_TALK, by=eva))

    conv.move_to(tt.Phase.OPTION_TALK, by=eva)
    clinic = conv.propose_option(
        say("Clinical admission for six weeks", "Zes weken klinische opname"), by=eva
    )
    days = conv.propose_option(
        say("Four day-treatment days a week", "Vier dagen dagbehandeling per week"), by=sam
    )
    wait = conv.propose_option(
        say("Keep two days and wait a month", "Twee dagen houden en een maand afwachten"), by=noor
    )
    conv.add_consideration(
        clinic, tt.Stance.PRO, say("The most training hours", "De meeste trainingsuren"), by=eva
    )
    conv.add_consideration(
        clinic,
        tt.Stance.CON,
        say("Away from Noor and the children", "Weg van Noor en de kinderen"),
        by=sam,
    )
    conv.add_consideration(
        days, tt.Stance.PRO, say("Sleeps at home every night", "Slaapt elke nacht thuis"), by=noor
    )
    conv.add_consideration(
        days,
        tt.Stance.CON,
        say("Four days of travel is tiring", "Vier dagen reizen is vermoeiend"),
        by=eva,
    )
    attempt(lambda: conv.move_to(tt.Phase.DECISION_TALK, by=eva))
    conv.add_consideration(
        wait,
        tt.Stance.CON,
        say("Progress may stall further", "De vooruitgang kan verder stokken"),
        by=eva,
    )
    conv.start_trial(days, evaluate_on=date(2026, 11, 30), by=eva)
    conv.state_preference(days, by=sam)

    conv.pause(
        date(2026, 11, 30),
        say(
            "Try the extra days for a week, then decide",
            "Een week de extra dagen proberen, dan beslissen",
        ),
        by=eva,
    )
    clock.skip(timedelta(days=7))
    conv.resume(by=sam)
    conv.end_trial(
        days,
        say("Tired but managing; Sam wants to go on", "Moe, maar het lukt; Sam wil doorgaan"),
        by=sam,
    )
    conv.move_to(tt.Phase.DECISION_TALK, by=eva)
    conv.state_preference(None, by=noor)
    who = say("Sam, with Eva's team", "Sam, met het team van Eva")
    conv.propose_decision(
        days,
        who=who,
        what=say("Four day-treatment days a week", "Vier dagen dagbehandeling per week"),
        when=date(2026, 12, 7),
        review_on=date(2027, 1, 18),
        by=eva,
    )
    conv.object(
        say(
            "Four days at once is too much in the first weeks",
            "Meteen vier dagen is te veel in de eerste weken",
        ),
        by=sam,
    )
    conv.propose_decision(
        days,
        who=who,
        what=say(
            "Three days in December, four from January",
            "Drie dagen in december, vier vanaf januari",
        ),
        when=date(2026, 12, 7),
        review_on=date(2027, 1, 18),
        by=eva,
    )
    conv.consent(by=sam)

    clock.skip(timedelta(days=56))
    conv.move_to(tt.Phase.EVALUATION, by=eva)
    conv.evaluate(
        say("Walking to the shop with a stick", "Met een stok naar de winkel lopen"),
        say("I was asked what mattered to me", "Er werd gevraagd wat voor mij telde"),
        by=sam,
    )
    conv.evaluate(
        say("Calmer at home than we feared", "Thuis rustiger dan we vreesden"),
        say("I could say what worried me", "Ik kon zeggen waar ik me zorgen over maakte"),
        by=noor,
    )
    conv.close(
        say(
            "Decision reviewed; next review in three months",
            "Besluit bekeken; over drie maanden opnieuw",
        ),
        by=eva,
    )
    return conv


# ---------------------------------------------------------------------- rehabilitation


def _rehabilitation(say: Say) -> tt.Conversation:
    """Joost and his partner Lotte prepare at home and bring a third option to therapist Mirjam."""
    clock = SittingClock(datetime(2026, 10, 5, 9, 0, tzinfo=UTC))
    conv = tt.Conversation(tt.rehabilitation(), conversation_id="demo-rehabilitation", clock=clock)
    joost = conv.join("Joost", C)
    lotte = conv.join("Lotte", R)
    mirjam = conv.join("Mirjam", P)

    conv.add_goal(
        say("Walk the dog round the block again", "Weer zelf een rondje met de hond lopen"),
        by=joost,
    )
    conv.add_topic(
        say(
            "What more intensive training would mean for us at home",
            "Wat intensiever trainen voor ons thuis zou betekenen",
        ),
        by=lotte,
    )
    # who takes part in deciding: each says it for themselves, not the therapist for them
    attempt(lambda: conv.state_role_preference(tt.DecisionRole.SHARE, by=mirjam))
    conv.state_role_preference(tt.DecisionRole.SHARE, by=joost)
    conv.state_role_preference(tt.DecisionRole.SHARE, by=lotte)

    conv.move_to(tt.Phase.TEAM_TALK, by=mirjam)
    conv.state_problem(
        say(
            "Two outpatient sessions a week no longer bring progress",
            "Twee poliklinische behandelingen per week brengen geen vooruitgang meer",
        ),
        by=mirjam,
    )
    conv.add_concern(
        say("Weeks away from home would get me down", "Weken van huis zou me zwaar vallen"),
        by=joost,
    )
    conv.add_concern(
        say("Whether I can manage at home on my own", "Of ik het thuis alleen red"), by=lotte
    )

    conv.move_to(tt.Phase.OPTION_TALK, by=mirjam)
    outpatient = conv.propose_option(
        say(
            "Carry on with two outpatient sessions a week",
            "Doorgaan met twee poliklinische behandelingen per week",
        ),
        by=mirjam,
    )
    admission = conv.propose_option(
        say("Clinical admission for eight weeks", "Acht weken klinische opname"), by=mirjam
    )
    conv.add_consideration(
        admission, tt.Stance.PRO, say("Training every day", "Elke dag training"), by=mirjam
    )
    conv.add_consideration(
        admission,
        tt.Stance.CON,
        say("Eight weeks away from Lotte", "Acht weken weg van Lotte"),
        by=joost,
    )
    conv.add_consideration(
        outpatient,
        tt.Stance.PRO,
        say("Life at home carries on as it is", "Het leven thuis gaat gewoon door"),
        by=lotte,
    )
    conv.add_consideration(
        outpatient,
        tt.Stance.CON,
        say("Progress has stalled", "De vooruitgang staat stil"),
        by=mirjam,
    )
    conv.pause(
        clock.today + timedelta(days=7),
        say(
            "Joost and Lotte want to talk it over at home",
            "Joost en Lotte willen het thuis samen bespreken",
        ),
        by=joost,
    )

    clock.skip(timedelta(days=7))
    conv.resume(by=joost)
    days = conv.propose_option(
        say("More day-treatment days: three a week", "Meer dagen dagbehandeling: drie per week"),
        by=joost,
    )
    conv.add_consideration(
        days,
        tt.Stance.PRO,
        say("More training, and home every evening", "Meer training en elke avond thuis"),
        by=lotte,
    )
    conv.add_consideration(
        days,
        tt.Stance.CON,
        say("Three days of travelling back and forth", "Drie dagen heen en weer reizen"),
        by=joost,
    )
    conv.share_information(
        say("Leaflet on the day-treatment programme", "Folder over het dagbehandelingsprogramma"),
        kind=tt.Information.LEAFLET,
        option=days,
        by=mirjam,
    )
    conv.check_understanding(
        joost,
        understood=True,
        note=say(
            "Tells in his own words what each option would ask of him",
            "Vertelt in eigen woorden wat elke mogelijkheid van hem vraagt",
        ),
        by=mirjam,
    )
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=joost)

    conv.move_to(tt.Phase.DECISION_TALK, by=mirjam)
    conv.state_preference(days, by=joost)
    conv.state_preference(days, by=lotte)
    conv.propose_decision(
        days,
        who=say("Joost, with Mirjam's team", "Joost, met het team van Mirjam"),
        what=say(
            "Three day-treatment days a week for eight weeks",
            "Acht weken lang drie dagen dagbehandeling per week",
        ),
        when=clock.today + timedelta(days=7),
        review_on=clock.today + timedelta(weeks=9),
        by=mirjam,
    )
    conv.consent(by=joost)

    clock.skip(timedelta(weeks=9))
    conv.move_to(tt.Phase.EVALUATION, by=mirjam)
    conv.evaluate(
        say("I walk the dog round the block again", "Ik loop weer een rondje met de hond"),
        say(
            "My own idea was taken seriously",
            "Er werd serieus gekeken naar mijn eigen idee",
        ),
        by=joost,
    )
    conv.close(
        say("Day treatment ends as planned", "De dagbehandeling stopt zoals gepland"), by=mirjam
    )
    return conv


# ---------------------------------------------------------------------- youth_care


def _youth_care(say: Say) -> tt.Conversation:
    """Ilse and her son Daan, both clients, look for help at home with youth worker Fatima."""
    clock = SittingClock(datetime(2026, 9, 14, 15, 30, tzinfo=UTC))
    conv = tt.Conversation(tt.youth_care(), conversation_id="demo-youth-care", clock=clock)
    ilse = conv.join("Ilse", C)
    daan = conv.join("Daan", C)
    fatima = conv.join("Fatima", P)

    conv.add_topic(say("Peace at home again", "Weer rust in huis"), by=ilse)

    conv.move_to(tt.Phase.TEAM_TALK, by=fatima)
    conv.add_concern(
        say(
            "Every evening ends in a row about Daan's phone",
            "Elke avond eindigt in ruzie over Daans telefoon",
        ),
        by=ilse,
    )
    conv.add_topic(
        say("I quit football and I miss it", "Ik ben gestopt met voetbal en dat mis ik"), by=daan
    )
    conv.state_problem(
        say(
            "Since the divorce the evenings at home get out of hand and Daan withdraws to his room",
            "Sinds de scheiding lopen de avonden thuis uit de hand en trekt Daan zich terug "
            "op zijn kamer",
        ),
        by=fatima,
    )
    conv.add_analysis(
        tt.Analysis.CAUSE,
        say(
            "Ilse works late since the divorce; fewer fixed moments together",
            "Ilse werkt sinds de scheiding tot laat; minder vaste momenten samen",
        ),
        by=fatima,
    )
    conv.add_analysis(
        tt.Analysis.MAINTAINING_FACTOR,
        say(
            "No agreements about the phone, so each evening starts the same row",
            "Geen afspraken over de telefoon, dus elke avond begint dezelfde ruzie",
        ),
        by=ilse,
    )
    conv.add_analysis(
        tt.Analysis.STRENGTH,
        say(
            "Grandad lives close by and Daan trusts him", "Opa woont vlakbij en Daan vertrouwt hem"
        ),
        by=daan,
    )
    worry = conv.ask(
        say("Do I have to go and live somewhere else?", "Moet ik ergens anders gaan wonen?"),
        by=daan,
    )
    conv.answer(
        worry,
        say(
            "No. The help is for the whole family, at home.",
            "Nee. De hulp is voor het hele gezin, gewoon thuis.",
        ),
        by=fatima,
    )
    conv.add_goal(
        say(
            "Dinner together without a row, most evenings",
            "De meeste avonden samen eten zonder ruzie",
        ),
        by=ilse,
    )
    conv.check_understanding(
        ilse,
        understood=True,
        note=say(
            "Says in her own words what keeps the rows going",
            "Zegt in eigen woorden wat de ruzies in stand houdt",
        ),
        by=fatima,
    )
    conv.check_understanding(
        daan,
        understood=False,
        note=say(
            "Thinks the help is there because he did something wrong",
            "Denkt dat de hulp er is omdat hij iets fout deed",
        ),
        by=fatima,
    )
    attempt(lambda: conv.move_to(tt.Phase.OPTION_TALK, by=fatima))
    conv.check_understanding(
        daan,
        understood=True,
        note=say(
            "Explains that the help is for the whole family, not a punishment",
            "Legt uit dat de hulp voor het hele gezin is, geen straf",
        ),
        by=fatima,
    )
    conv.add_goal(
        say(
            "Back to football training twice a week", "Weer twee keer per week naar voetbaltraining"
        ),
        by=daan,
    )

    conv.move_to(tt.Phase.OPTION_TALK, by=fatima)
    phone = conv.propose_option(
        say(
            "Phone agreements we write down together", "Telefoonafspraken die we samen opschrijven"
        ),
        by=ilse,
    )
    grandad = conv.propose_option(
        say(
            "Grandad takes Daan to football on Tuesdays and Thursdays",
            "Opa brengt Daan op dinsdag en donderdag naar voetbal",
        ),
        by=daan,
        source=tt.Source.NETWORK,
    )
    coach = conv.propose_option(
        say(
            "A family coach at home, once a week for three months",
            "Een gezinscoach thuis, drie maanden lang een keer per week",
        ),
        by=fatima,
        expected_result=say(
            "Fewer rows within six weeks, and agreements the family keeps by itself",
            "Binnen zes weken minder ruzie, en afspraken die het gezin zelf volhoudt",
        ),
    )
    conv.add_consideration(
        phone, tt.Stance.PRO, say("We make them ourselves", "We bedenken ze zelf"), by=daan
    )
    conv.add_consideration(
        phone,
        tt.Stance.CON,
        say("Loose agreements did not hold before", "Losse afspraken hielden eerder geen stand"),
        by=ilse,
    )
    conv.add_consideration(
        grandad,
        tt.Stance.PRO,
        say("Daan sees his friends again", "Daan ziet zijn vrienden weer"),
        by=ilse,
    )
    conv.add_consideration(
        coach,
        tt.Stance.PRO,
        say("Someone from outside keeps us to it", "Iemand van buiten houdt ons eraan"),
        by=ilse,
    )
    conv.add_consideration(
        coach,
        tt.Stance.CON,
        say("A stranger at our kitchen table", "Een vreemde aan onze keukentafel"),
        by=daan,
    )
    conv.check_conflict(sure=False, informed=True, values_clear=True, supported=True, by=daan)
    conv.share_information(
        say(
            "What other teenagers say about having a family coach",
            "Wat andere tieners vertellen over een gezinscoach",
        ),
        kind=tt.Information.PEER_EXPERIENCE,
        option=coach,
        by=fatima,
    )
    conv.pause(
        clock.today + timedelta(days=7),
        say("Daan wants a week to think it over", "Daan wil er een week over nadenken"),
        by=daan,
    )

    clock.skip(timedelta(days=7))
    conv.resume(by=daan)
    conv.move_to(tt.Phase.DECISION_TALK, by=fatima)
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=daan)
    conv.state_preference(coach, by=ilse)
    conv.state_preference(coach, by=daan)
    conv.propose_decision(
        coach,
        who=say(
            "Ilse and Daan with the family coach; grandad for football",
            "Ilse en Daan met de gezinscoach; opa voor het voetbal",
        ),
        what=say(
            "A family coach at home once a week for three months, with phone agreements "
            "written down in the first session; grandad takes Daan to football",
            "Drie maanden lang een keer per week een gezinscoach thuis, met in de eerste "
            "sessie opgeschreven telefoonafspraken; opa brengt Daan naar voetbal",
        ),
        when=clock.today + timedelta(days=7),
        review_on=clock.today + timedelta(weeks=13),
        by=fatima,
    )
    conv.consent(by=ilse)
    conv.consent(by=daan)

    clock.skip(timedelta(weeks=13))
    conv.move_to(tt.Phase.EVALUATION, by=fatima)
    conv.evaluate(
        say("Most evenings are calm now", "De meeste avonden zijn nu rustig"),
        say("My ideas counted as much as the coach's", "Mijn ideeën telden net zo goed mee"),
        by=ilse,
    )
    conv.evaluate(
        say("I play football again", "Ik voetbal weer"),
        say(
            "They asked me what I wanted, not just Mum",
            "Ze vroegen het ook aan mij, niet alleen aan mama",
        ),
        by=daan,
    )
    conv.close(
        say(
            "The coaching ends; a check-in in three months",
            "De coaching stopt; over drie maanden even bijpraten",
        ),
        by=fatima,
    )
    return conv


# ---------------------------------------------------------------------- client_guide


def _client_guide(say: Say) -> tt.Conversation:
    """Sanne prepares her questions and takes time to think before she and Ruben decide."""
    clock = SittingClock(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    conv = tt.Conversation(tt.client_guide(), conversation_id="demo-client-guide", clock=clock)
    sanne = conv.join("Sanne", C)
    ruben = conv.join("Ruben", P)

    conv.add_topic(
        say(
            "I sleep badly since I started the new medicine",
            "Ik slaap slecht sinds ik het nieuwe medicijn gebruik",
        ),
        by=sanne,
    )
    which = conv.ask(say("Which choices do I have?", "Welke keuzes heb ik eigenlijk?"), by=sanne)
    sides = conv.ask(
        say("What is good and less good about each?", "Wat is goed en minder goed aan elke keuze?"),
        by=sanne,
    )
    work = conv.ask(
        say(
            "What would each mean for my work at the bakery?",
            "Wat zou elke keuze betekenen voor mijn werk bij de bakker?",
        ),
        by=sanne,
    )

    conv.move_to(tt.Phase.TEAM_TALK, by=ruben)
    conv.add_topic(
        say(
            "Whether the medicine still lifts the low mood",
            "Of het medicijn de somberheid nog tegengaat",
        ),
        by=ruben,
    )
    conv.state_problem(
        say(
            "The medicine helps against the low mood but disturbs sleep",
            "Het medicijn helpt tegen de somberheid maar verstoort de slaap",
        ),
        by=ruben,
    )
    conv.add_goal(
        say(
            "Sleep six hours a night and keep working", "Zes uur per nacht slapen en blijven werken"
        ),
        by=sanne,
    )

    conv.move_to(tt.Phase.OPTION_TALK, by=ruben)
    morning = conv.propose_option(
        say(
            "Take the medicine in the morning instead of at night",
            "Het medicijn 's ochtends innemen in plaats van 's avonds",
        ),
        by=sanne,
    )
    switch = conv.propose_option(
        say("Switch to another medicine", "Overstappen op een ander medicijn"), by=ruben
    )
    therapy = conv.propose_option(
        say(
            "Sleep therapy alongside the current medicine",
            "Slaaptherapie naast het huidige medicijn",
        ),
        by=ruben,
    )
    conv.answer(
        which,
        say(
            "These three; waiting a few weeks is a choice too",
            "Deze drie; een paar weken afwachten is ook een keuze",
        ),
        by=ruben,
    )
    conv.add_consideration(
        morning,
        tt.Stance.PRO,
        say("Nothing new to get used to", "Niets nieuws om aan te wennen"),
        by=sanne,
    )
    conv.add_consideration(
        morning,
        tt.Stance.CON,
        say("It may make you drowsy at work", "U kunt er op uw werk suf van worden"),
        by=ruben,
    )
    conv.add_consideration(
        switch,
        tt.Stance.CON,
        say(
            "Weeks of getting used to it; the mood may dip",
            "Weken wennen; de stemming kan terugvallen",
        ),
        by=ruben,
    )
    conv.add_consideration(
        therapy,
        tt.Stance.PRO,
        say("Works on sleep without another pill", "Werkt aan de slaap zonder extra pil"),
        by=ruben,
    )
    conv.add_consideration(
        therapy,
        tt.Stance.CON,
        say("Six sessions in working hours", "Zes sessies onder werktijd"),
        by=sanne,
    )
    conv.answer(
        sides,
        say(
            "We went through them together; they are on the sheet you take home",
            "We hebben ze samen doorgenomen; ze staan op het blad dat u meeneemt",
        ),
        by=ruben,
    )
    conv.share_information(
        say("A decision aid on sleeping problems", "Een keuzehulp over slaapproblemen"),
        kind=tt.Information.DECISION_AID,
        by=ruben,
    )
    conv.check_conflict(sure=False, informed=True, values_clear=False, supported=True, by=sanne)
    conv.pause(
        clock.today + timedelta(days=7),
        say("Sanne takes a week to think it over", "Sanne neemt een week bedenktijd"),
        by=sanne,
    )

    clock.skip(timedelta(days=7))
    conv.resume(by=sanne)
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=sanne)
    conv.state_preference(morning, by=sanne)
    conv.move_to(tt.Phase.DECISION_TALK, by=ruben)
    conv.propose_decision(
        morning,
        who=say("Sanne, with Ruben", "Sanne, met Ruben"),
        what=say(
            "Take the medicine in the morning for four weeks",
            "Vier weken het medicijn 's ochtends innemen",
        ),
        when=clock.today + timedelta(days=1),
        review_on=clock.today + timedelta(weeks=4),
        by=ruben,
    )
    conv.consent(by=sanne)

    clock.skip(timedelta(weeks=4))
    conv.move_to(tt.Phase.EVALUATION, by=ruben)
    conv.answer(
        work,
        say(
            "The first week you may feel drowsy; you could start later at the bakery that week",
            "De eerste week kunt u wat suf zijn; misschien kunt u die week later beginnen",
        ),
        by=ruben,
    )
    conv.evaluate(
        say(
            "I sleep five to six hours now and work goes fine",
            "Ik slaap nu vijf à zes uur en werken gaat goed",
        ),
        say(
            "My questions were taken seriously and I could take my time",
            "Mijn vragen werden serieus genomen en ik kreeg de tijd",
        ),
        by=sanne,
    )
    conv.close(
        say("Next appointment in two months", "Volgende afspraak over twee maanden"), by=ruben
    )
    return conv


# ---------------------------------------------------------------------- work_and_income


def _work_and_income(say: Say) -> tt.Conversation:
    """Mehmet declines an obligation; client manager Sandra waives it and records why."""
    clock = SittingClock(datetime(2026, 11, 2, 13, 0, tzinfo=UTC))
    conv = tt.Conversation(
        tt.work_and_income(), conversation_id="demo-work-and-income", clock=clock
    )
    mehmet = conv.join("Mehmet", C)
    sandra = conv.join("Sandra", P)

    conv.add_topic(
        say("Finding work my back can manage", "Werk vinden dat mijn rug aankan"), by=mehmet
    )

    conv.move_to(tt.Phase.TEAM_TALK, by=sandra)
    conv.state_problem(
        say(
            "Out of work for two years since a back injury; lifting is no longer possible",
            "Al twee jaar zonder werk sinds een rugblessure; tillen gaat niet meer",
        ),
        by=sandra,
    )
    conv.add_goal(
        say(
            "A paid job in warehouse administration within a year",
            "Binnen een jaar betaald werk in de magazijnadministratie",
        ),
        by=mehmet,
    )
    conv.state_role_preference(tt.DecisionRole.SHARE, by=mehmet)

    conv.move_to(tt.Phase.OPTION_TALK, by=sandra)
    course = conv.propose_option(
        say(
            "A course in warehouse administration with a work placement",
            "Een opleiding magazijnadministratie met een werkervaringsplaats",
        ),
        by=mehmet,
    )
    unpaid = conv.propose_option(
        say(
            "Unpaid socially useful work, three mornings a week",
            "Onbetaald maatschappelijk nuttig werk, drie ochtenden per week",
        ),
        by=sandra,
        obligation=say(
            "Participation Act, article 9(1)(c): unpaid socially useful work, as far as one can",
            "Participatiewet, artikel 9, eerste lid, onder c: onbetaald maatschappelijk nuttig "
            "werk, naar vermogen",
        ),
    )
    apply = conv.propose_option(
        say(
            "Apply for jobs straight away, with a job coach",
            "Meteen solliciteren, met een jobcoach",
        ),
        by=sandra,
    )
    cut = conv.ask(
        say(
            "Will my benefit be cut if I say no to the unpaid work?",
            "Word ik gekort als ik nee zeg tegen het onbetaalde werk?",
        ),
        by=mehmet,
    )
    conv.answer(
        cut,
        say(
            "Not while we talk it through. If I do not apply the obligation, I write down why.",
            "Niet zolang we erover praten. Pas ik de verplichting niet toe, dan leg ik vast "
            "waarom.",
        ),
        by=sandra,
    )
    conv.add_consideration(
        course,
        tt.Stance.PRO,
        say("Leads to a recognised certificate", "Levert een erkend diploma op"),
        by=sandra,
    )
    conv.add_consideration(
        course,
        tt.Stance.CON,
        say("Six months before any wage", "Zes maanden zonder loon"),
        by=mehmet,
    )
    conv.add_consideration(apply, tt.Stance.PRO, say("Income sooner", "Sneller inkomen"), by=mehmet)
    conv.add_consideration(
        apply,
        tt.Stance.CON,
        say(
            "Few office jobs in warehousing without a certificate",
            "Weinig kantoorbanen in de logistiek zonder diploma",
        ),
        by=sandra,
    )
    conv.add_consideration(
        unpaid,
        tt.Stance.CON,
        say(
            "It takes the mornings the course needs",
            "Het kost de ochtenden die de opleiding nodig heeft",
        ),
        by=mehmet,
    )
    conv.decline(
        unpaid,
        say(
            "Those mornings go to the course that leads to paid work",
            "Die ochtenden gaan naar de opleiding die naar betaald werk leidt",
        ),
        by=mehmet,
    )
    conv.state_preference(course, by=mehmet)
    conv.pause(
        clock.today + timedelta(days=7),
        say(
            "Sandra asks the training centre when the course starts",
            "Sandra vraagt het opleidingscentrum wanneer de opleiding begint",
        ),
        by=sandra,
    )

    clock.skip(timedelta(days=7))
    conv.resume(by=sandra)
    conv.move_to(tt.Phase.DECISION_TALK, by=sandra)
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=False, by=mehmet)
    who = say("Mehmet, with Sandra as client manager", "Mehmet, met Sandra als klantmanager")
    what = say(
        "Start the course in January; placement two days a week",
        "In januari met de opleiding beginnen; twee dagen per week werkervaringsplaats",
    )
    start, review = date(2027, 1, 11), date(2027, 4, 12)
    attempt(
        lambda: conv.propose_decision(
            course, who=who, what=what, when=start, review_on=review, by=sandra
        )
    )
    conv.waive(
        unpaid,
        say(
            "The course with a placement leads to regular work sooner than unpaid work would; "
            "the placement company has a vacancy in the same trade",
            "De opleiding met werkervaringsplaats leidt sneller naar regulier werk dan "
            "onbetaald werk; het leerbedrijf heeft een vacature in hetzelfde vak",
        ),
        by=sandra,
    )
    conv.propose_decision(course, who=who, what=what, when=start, review_on=review, by=sandra)
    conv.consent(by=mehmet)

    clock.skip(timedelta(weeks=22))
    conv.move_to(tt.Phase.EVALUATION, by=sandra)
    conv.evaluate(
        say(
            "First module passed; the placement company wants to keep me",
            "Eerste module gehaald; het leerbedrijf wil me houden",
        ),
        say(
            "I could say why the unpaid work did not fit, and it was written down",
            "Ik kon zeggen waarom het onbetaalde werk niet paste, en dat is vastgelegd",
        ),
        by=mehmet,
    )
    conv.close(
        say(
            "Plan continues; next review in three months",
            "Het plan loopt door; over drie maanden opnieuw",
        ),
        by=sandra,
    )
    return conv


# ---------------------------------------------------------------------- six_step


def _six_step(say: Say) -> tt.Conversation:
    """Jesse and his mother Marian prefer different things; nurse Karin follows the guide's path."""
    clock = SittingClock(datetime(2026, 5, 4, 14, 0, tzinfo=UTC))
    conv = tt.Conversation(tt.six_step(), conversation_id="demo-six-step", clock=clock)
    jesse = conv.join("Jesse", C)
    marian = conv.join("Marian", R)
    karin = conv.join("Karin", P)

    conv.add_topic(
        say("Whether I can go back to college this year", "Of ik dit jaar weer naar school kan"),
        by=jesse,
    )

    conv.move_to(tt.Phase.TEAM_TALK, by=karin)
    conv.state_problem(
        say(
            "Anxiety keeps Jesse at home most days", "Door angst blijft Jesse de meeste dagen thuis"
        ),
        by=karin,
    )
    conv.add_goal(say("Go to college two days a week", "Twee dagen per week naar school"), by=jesse)
    conv.add_concern(
        say(
            "I am afraid he withdraws even further if it goes wrong",
            "Ik ben bang dat hij zich nog verder terugtrekt als het misgaat",
        ),
        by=marian,
    )

    conv.move_to(tt.Phase.OPTION_TALK, by=karin)
    college = conv.propose_option(
        say("Start college part-time in September", "In september in deeltijd naar school"),
        by=jesse,
    )
    wait = conv.propose_option(
        say(
            "Wait a year and start with day activities first",
            "Een jaar wachten en eerst met dagbesteding beginnen",
        ),
        by=marian,
    )
    group = conv.propose_option(
        say("Group therapy for anxiety first", "Eerst groepstherapie voor angst"), by=karin
    )
    conv.add_consideration(
        college,
        tt.Stance.PRO,
        say("Back among people my age", "Weer tussen leeftijdgenoten"),
        by=jesse,
    )
    conv.add_consideration(
        college,
        tt.Stance.CON,
        say("A bad day means missed lessons", "Een slechte dag betekent gemiste lessen"),
        by=marian,
    )
    conv.add_consideration(
        wait, tt.Stance.PRO, say("A year without pressure", "Een jaar zonder druk"), by=marian
    )
    conv.add_consideration(
        wait,
        tt.Stance.CON,
        say("A year is long; my friends move on", "Een jaar is lang; mijn vrienden gaan door"),
        by=jesse,
    )
    attempt(lambda: conv.move_to(tt.Phase.DECISION_TALK, by=karin))
    conv.add_consideration(
        group,
        tt.Stance.PRO,
        say(
            "Learning to handle panic before term starts",
            "Leren omgaan met paniek voor school begint",
        ),
        by=karin,
    )

    conv.move_to(tt.Phase.DECISION_TALK, by=karin)
    conv.state_preference(college, by=jesse)
    conv.state_preference(wait, by=marian)
    # preferences differ: must it be settled now?
    now = conv.ask(
        say(
            "Does this have to be settled today, or can it wait?",
            "Moet dit vandaag beslist worden, of kan het wachten?",
        ),
        by=karin,
    )
    conv.answer(
        now,
        say(
            "Registration closes in a month; a week to think is fine",
            "De inschrijving sluit over een maand; een week bedenktijd kan",
        ),
        by=marian,
    )
    conv.pause(
        clock.today + timedelta(days=7),
        say("A week to look for what suits both", "Een week om te zoeken wat bij allebei past"),
        by=karin,
    )

    clock.skip(timedelta(days=7))
    conv.resume(by=jesse)
    # what would suit instead? back to the options
    conv.move_to(tt.Phase.OPTION_TALK, by=karin)
    both = conv.propose_option(
        say(
            "College three days a week from September, with group therapy alongside",
            "Vanaf september drie dagen per week naar school, met groepstherapie ernaast",
        ),
        by=jesse,
    )
    conv.add_consideration(
        both,
        tt.Stance.PRO,
        say("He starts, with help for the panic", "Hij begint, met hulp bij de paniek"),
        by=marian,
    )
    # does the relative need a solution of her own?
    conv.share_information(
        say(
            "Details of a support group for parents of young people with anxiety",
            "Gegevens van een steungroep voor ouders van jongeren met angst",
        ),
        kind=tt.Information.OTHER,
        by=karin,
    )

    conv.move_to(tt.Phase.DECISION_TALK, by=karin)
    conv.state_preference(both, by=jesse)
    conv.state_preference(both, by=marian)
    conv.propose_decision(
        both,
        who=say(
            "Jesse, with Karin; Marian joins the parents' group",
            "Jesse, met Karin; Marian gaat naar de oudergroep",
        ),
        what=say(
            "College three days a week from September; group therapy on Mondays",
            "Vanaf september drie dagen per week naar school; op maandag groepstherapie",
        ),
        when=date(2026, 9, 1),
        review_on=date(2026, 10, 27),
        by=karin,
    )
    conv.consent(by=jesse)

    clock.skip(timedelta(weeks=25))
    conv.move_to(tt.Phase.EVALUATION, by=karin)
    conv.evaluate(
        say(
            "Three days works; the Monday group helps", "Drie dagen lukt; de groep op maandag helpt"
        ),
        say(
            "My wish came first, and Mum's worry was heard",
            "Mijn wens ging voor, en mama's zorg werd gehoord",
        ),
        by=jesse,
    )
    conv.evaluate(
        say("Calmer than I feared", "Rustiger dan ik vreesde"),
        say("The parents' group was for me alone", "De oudergroep was er voor mij alleen"),
        by=marian,
    )
    conv.close(
        say(
            "Looked back together; review again at Christmas",
            "Samen teruggekeken; met kerst opnieuw",
        ),
        by=karin,
    )
    return conv


def _intro(english: str, dutch: str) -> tt.Text:
    return tt.Text(en=english, nl=dutch)


#: The case of each built-in protocol, by the protocol's name.
CASES: Final[Mapping[str, Case]] = {
    "three_talk": Case(
        "three_talk",
        _intro(
            "A shared decision in rehabilitation: Sam (client), Noor (Sam's partner) and Eva\n"
            "(physiotherapist) look for what comes next now that progress has stalled.",
            "Samen beslissen in de revalidatie: Sam (cliënt), Noor (Sams partner) en Eva\n"
            "(fysiotherapeut) zoeken wat er nu komt, nu de vooruitgang stokt.",
        ),
        _three_talk,
    ),
    "six_step": Case(
        "six_step",
        _intro(
            "The six-step guide of mental health care: Jesse (client) wants to go back to\n"
            "college; his mother Marian (relative) would rather wait. Karin (nurse) takes the\n"
            "guide's path for when preferences differ.",
            "De zes stappen van de ggz: Jesse (cliënt) wil weer naar school; zijn moeder\n"
            "Marian (naaste) wacht liever. Karin (verpleegkundige) volgt de weg die de\n"
            "handreiking geeft als voorkeuren verschillen.",
        ),
        _six_step,
    ),
    "rehabilitation": Case(
        "rehabilitation",
        _intro(
            "The rehabilitation pocket card: Joost (client) and his partner Lotte (relative)\n"
            "weigh intensive training against weeks away from home with therapist Mirjam, and\n"
            "bring a third option they thought of at home.",
            "De zakkaart van de revalidatie: Joost (cliënt) en zijn partner Lotte (naaste)\n"
            "wegen met therapeut Mirjam intensiever trainen af tegen weken van huis, en komen\n"
            "met een derde mogelijkheid die ze thuis bedachten.",
        ),
        _rehabilitation,
    ),
    "youth_care": Case(
        "youth_care",
        _intro(
            "Youth care: Ilse and her son Daan (both clients) look for help at home with youth\n"
            "worker Fatima; the family's own ideas and network come before professional help.",
            "Jeugdhulp: Ilse en haar zoon Daan (allebei cliënt) zoeken met jeugdhulpverlener\n"
            "Fatima hulp voor thuis; eigen ideeën en netwerk gaan voor professionele hulp.",
        ),
        _youth_care,
    ),
    "client_guide": Case(
        "client_guide",
        _intro(
            "The client's own guide: Sanne (client) writes down her questions before she sees\n"
            "Ruben (psychologist), and takes time to think before they decide.",
            "De gids voor cliënten: Sanne (cliënt) schrijft haar vragen op voordat ze Ruben\n"
            "(psycholoog) spreekt, en neemt bedenktijd voordat ze samen beslissen.",
        ),
        _client_guide,
    ),
    "work_and_income": Case(
        "work_and_income",
        _intro(
            "Work and income: Mehmet (client) and client manager Sandra choose a route to\n"
            "work; the law's obligation of unpaid work is declined, and Sandra records why it\n"
            "does not apply.",
            "Werk en inkomen: Mehmet (cliënt) en klantmanager Sandra kiezen een route naar\n"
            "werk; de wettelijke verplichting van onbetaald werk wijst hij af, en Sandra legt\n"
            "vast waarom die hier niet geldt.",
        ),
        _work_and_income,
    ),
}
