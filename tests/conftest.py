"""Shared fixtures and Hypothesis profiles (``dev`` by default, ``ci`` when CI is set).

PostgreSQL: one server per test session, a new database per test. The server is the one
``THREETALK_TEST_POSTGRES`` names (a conninfo of a role that may create databases) or
else a throwaway one that ``pgserver`` starts in a temporary folder. Without either, the
PostgreSQL tests skip with the reason, except under ``CI``, where they fail.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from collections.abc import Iterator

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


# ---------------------------------------------------------------------- PostgreSQL

#: The session's server, once started: {"conninfo": ..., "server": ..., "folder": ...}.
_POSTGRES: dict[str, Any] = {}
_DATABASES = itertools.count(1)


def _unavailable(reason: str) -> NoReturn:
    """Skip a PostgreSQL test with ``reason``; under CI, fail it instead."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests may not skip under CI: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL for the tests: {reason}")


def require_psycopg() -> None:
    """Skip (or, under CI, fail) unless psycopg and psycopg_pool can be imported."""
    try:
        import psycopg  # noqa: F401 - only whether it imports
        import psycopg_pool  # noqa: F401
    except ImportError as error:
        _unavailable(f"psycopg is not installed ({error}); install the dev extra")


def postgres_server_conninfo() -> str:
    """The conninfo of the session's PostgreSQL server, started on first use."""
    if "conninfo" in _POSTGRES:
        return str(_POSTGRES["conninfo"])
    if "failed" in _POSTGRES:
        _unavailable(_POSTGRES["failed"])
    require_psycopg()
    given = os.environ.get("THREETALK_TEST_POSTGRES")
    if given:
        _POSTGRES["conninfo"] = given
        return given
    try:
        import pgserver
    except ImportError as error:
        _POSTGRES["failed"] = (
            f"pgserver is not installed ({error}); install the dev extra or set "
            "THREETALK_TEST_POSTGRES to a conninfo"
        )
        _unavailable(_POSTGRES["failed"])
    folder = tempfile.mkdtemp(prefix="threetalk-pg-")
    try:
        server = pgserver.get_server(Path(folder) / "data", cleanup_mode="delete")
        conninfo = server.get_uri()
        import psycopg

        with psycopg.connect(conninfo, autocommit=True) as admin:
            # a throwaway server: durability buys the tests nothing
            admin.execute("ALTER SYSTEM SET fsync = off")
            admin.execute("ALTER SYSTEM SET synchronous_commit = off")
            admin.execute("SELECT pg_reload_conf()")
    except Exception as error:  # noqa: BLE001 - whatever went wrong is the skip reason
        shutil.rmtree(folder, ignore_errors=True)
        _POSTGRES["failed"] = f"pgserver could not start a server: {error!r}"
        _unavailable(_POSTGRES["failed"])
    _POSTGRES.update(conninfo=conninfo, server=server, folder=folder)
    return conninfo


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the session's throwaway PostgreSQL server and remove its folder."""
    server = _POSTGRES.pop("server", None)
    if server is not None:
        server.cleanup()
        shutil.rmtree(_POSTGRES.pop("folder"), ignore_errors=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the session's server; its conninfo; dropped afterwards."""
    import psycopg
    from psycopg import sql

    server = postgres_server_conninfo()
    name = f"threetalk_test_{os.getpid()}_{next(_DATABASES)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(server, dbname=name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def postgres_url(conninfo: str) -> str:
    """A ``postgresql://`` URL for the database of a keyword conninfo (as a command line or
    an app that tells a URL from a file name is given)."""
    import psycopg

    given = psycopg.conninfo.conninfo_to_dict(conninfo)
    user = quote(str(given.pop("user", "")), safe="")
    password = given.pop("password", None)
    secret = f":{quote(str(password), safe='')}" if password else ""
    dbname = quote(str(given.pop("dbname", "")), safe="")
    host = str(given.pop("host", ""))
    port = given.pop("port", None)
    query = {"host": host} if host.startswith("/") else {}
    netloc = "" if host.startswith("/") else host
    if port:
        query["port"] = str(port)
    query.update({name: str(value) for name, value in given.items()})
    at = f"{user}{secret}@" if user else ""
    return f"postgresql://{at}{netloc}/{dbname}" + (f"?{urlencode(query)}" if query else "")


@pytest.fixture(scope="session")
def psycopg_installed() -> None:
    """Nothing; skips (or fails under CI) the tests that need psycopg when it is missing."""
    require_psycopg()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The conninfo of the session's PostgreSQL server (see the module's docstring)."""
    return postgres_server_conninfo()


@pytest.fixture
def postgres(postgres_server: str) -> Iterator[str]:
    """The conninfo of a new, empty database of its own, dropped after the test."""
    with postgres_database() as conninfo:
        yield conninfo
