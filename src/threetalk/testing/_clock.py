"""A deterministic clock for tests: :class:`StepClock`, and the day it starts on.

Standard library and attrs only: no Hypothesis.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

import attrs

__all__ = ["TODAY", "StepClock"]

#: The day the machine's conversations think it is (see :class:`StepClock`).
TODAY: Final = date(2026, 11, 23)


@attrs.define
class StepClock:
    """A deterministic clock for conversations: ``start``, then ``step`` later on every call.

    >>> clock = StepClock()
    >>> clock().isoformat(), clock().isoformat()
    ('2026-11-23T08:00:01+00:00', '2026-11-23T08:00:02+00:00')
    """

    now: datetime = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    step: timedelta = timedelta(seconds=1)

    def __call__(self) -> datetime:
        """The next moment."""
        self.now += self.step
        return self.now
