"""The acts of the guides, as properties and as the examples that found faults.

Random command scripts (every command, the acts of the guides included) under every
built-in protocol, then: the log replays to the same state with the protocol recognised
from the opening event; and the plain examples the stateful test and the reference model
(``threetalk.testing``) found, kept so that they run whatever the random draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

import threetalk as tt
from scenarios import Scene, attempt, build

if TYPE_CHECKING:
    from conftest import StepClock


def _work(clock: StepClock, upto: str = "options") -> tuple[Scene, tt.Option]:
    """A work-and-income scene up to ``upto`` with an obligation proposed in option talk."""
    scene = build(clock, "options", protocol=tt.work_and_income())
    duty = scene.conv.propose_option(
        "Unpaid work", obligation="Participation Act, article 9", by=scene.pro
    )
    scene.conv.add_consideration(duty, tt.Stance.CON, "No time for a course", by=scene.client)
    if upto == "decision":
        scene.conv.move_to(tt.Phase.DECISION_TALK, by=scene.pro)
    return scene, duty


class TestFoundExamples:
    def test_the_text_of_a_waived_obligation_can_be_proposed_again(self, clock):
        """A waived obligation is no longer an open option, so the same activity can come
        back as an option of the client's own (found by the stateful test: the duplicate
        check looked at withdrawals only)."""
        scene, duty = _work(clock)
        conv = scene.conv
        conv.waive(duty, "A course serves the goal of regular work better", by=scene.pro)

        again = attempt(conv, lambda: conv.propose_option("unpaid work", by=scene.client))

        assert again.accepted
        assert conv.options[-1].source is tt.Source.OWN_IDEA
        assert conv.option_state(duty).waiver is not None

    def test_the_text_of_an_open_obligation_cannot_be_proposed_again(self, clock):
        """The other side of the same check: while the obligation is open it is on the table."""
        scene, _duty = _work(clock)
        conv = scene.conv

        again = attempt(conv, lambda: conv.propose_option("UNPAID WORK ", by=scene.client))

        assert again.refused_once
        assert again.codes == ("option-exists",)

    def test_a_waiver_is_not_a_withdrawal(self, clock):
        """The waived obligation keeps its record: it is not withdrawn, only not open."""
        scene, duty = _work(clock)
        scene.conv.waive(duty, "A course serves the goal better", by=scene.pro)

        state = scene.conv.option_state(duty)

        assert state.withdrawn is None
        assert not state.open
        assert attrs.asdict(state.waiver) == {
            "justification": "A course serves the goal better",
            "by": scene.pro.id,
        }
