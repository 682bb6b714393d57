"""Shared fixtures and Hypothesis profiles (``dev`` by default, ``ci`` when CI is set)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


class StepClock:
    """A deterministic clock: starts at ``start`` and moves ``step`` on every call."""

    def __init__(
        self,
        start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        step: timedelta = timedelta(seconds=30),
    ) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@pytest.fixture
def clock() -> StepClock:
    """A clock that starts on 2026-11-23 09:00 UTC and ticks 30 seconds per call."""
    return StepClock()
