"""Policies for the simulation tests, in a module that worker processes can import."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

import threetalk as tt
from threetalk.simulation import Action

if TYPE_CHECKING:
    import random

    from threetalk.simulation import View


class Garbage:
    """Joins a client, then answers with text instead of an action (from step 3 on)."""

    def choose(self, view: View, rng: random.Random) -> object:
        if view.step < 3:
            return Action("join", role=tt.Role.CLIENT)
        return "propose everything"


class CrashesAt:
    """Closes every conversation at once, but raises inside ``choose`` for one index."""

    def __init__(self, index: int) -> None:
        self.index = index

    def choose(self, view: View, rng: random.Random) -> Action:
        if view.index == self.index:
            msg = "boom"
            raise RuntimeError(msg)
        if not view.clients:
            return Action("join", role=tt.Role.CLIENT)
        return Action("close", by=view.clients[0])


class InterruptsAt:
    """Closes every conversation at once, but is interrupted (Ctrl-C) at one index."""

    def __init__(self, index: int) -> None:
        self.index = index

    def choose(self, view: View, rng: random.Random) -> Action:
        if view.index == self.index:
            raise KeyboardInterrupt
        if not view.clients:
            return Action("join", role=tt.Role.CLIENT)
        return Action("close", by=view.clients[0])


@attrs.frozen
class OwnAction:
    """An action of the user's own making: the attributes of ``PolicyAction``, no more."""

    command: str
    by: tt.Participant | None = None
    option: tt.Option | None = None
    phase: tt.Phase | None = None
    role: tt.Role | None = None
    stance: tt.Stance | None = None
    to: tt.Participant | None = None
    days: int = 0


class OwnActions:
    """Joins and closes with actions that are not ``Action`` but have its attributes."""

    def choose(self, view: View, rng: random.Random) -> OwnAction:
        if not view.clients:
            return OwnAction("join", role=tt.Role.CLIENT)
        return OwnAction("close", by=view.clients[0])


@attrs.frozen
class FullAction:
    """An action of the user's own making with every attribute of ``PolicyAction``."""

    command: str
    by: tt.Participant | None = None
    option: tt.Option | None = None
    phase: tt.Phase | None = None
    role: tt.Role | None = None
    stance: tt.Stance | None = None
    to: tt.Participant | None = None
    days: int = 0
    question: tt.Question | None = None
    of: tt.Participant | None = None
    kind: tt.Analysis | tt.Information | None = None
    source: tt.Source | None = None
    expected_result: bool = False
    decision_role: tt.DecisionRole | None = None
    understood: bool = True
    answers: tuple[bool, bool, bool, bool] = (True, True, True, True)


class AsksAndAnswers:
    """A client asks, the professional answers and checks understanding, then closes."""

    def choose(self, view: View, rng: random.Random) -> FullAction:  # noqa: PLR0911 - a script
        if not view.clients:
            return FullAction("join", role=tt.Role.CLIENT)
        if not view.professionals:
            return FullAction("join", role=tt.Role.PROFESSIONAL)
        client, professional = view.clients[0], view.professionals[0]
        if view.phase is tt.Phase.PREPARATION:
            if view.memo.setdefault("asked", False) is False:
                view.memo["asked"] = True
                return FullAction("ask", by=client)
            if view.open_questions:
                return FullAction("answer", by=professional, question=view.open_questions[0])
            return FullAction("move_to", by=professional, phase=tt.Phase.TEAM_TALK)
        if not view.understood:
            return FullAction("check_understanding", by=professional, of=client, understood=True)
        return FullAction("close", by=professional)
