"""The reference web app (examples/webapp) through its forms, with FastAPI's test client."""

from __future__ import annotations

import importlib.util
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from conftest import postgres_url
from threetalk.store import (
    ConflictError,
    EventStore,
    PostgresStore,
    SQLiteStore,
    open_conversation,
    verify_store,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType

    import httpx
    from fastapi import FastAPI

APP = Path(__file__).resolve().parent.parent / "examples" / "webapp" / "app.py"


def load_webapp() -> ModuleType:
    """examples/webapp/app.py as a module (examples is no package)."""
    spec = importlib.util.spec_from_file_location("threetalk_webapp", APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Person:
    """One browser: its own cookies, and the CSRF token of the last page it saw."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app)
        self.csrf = ""
        self.me = ""
        self.last: httpx.Response | None = None

    def _seen(self, response: httpx.Response) -> httpx.Response:
        self.last = response
        found = re.search(r'name="csrf" value="([^"]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        me = re.search(r'name="participant" value="([^"]+)"', response.text)
        if me:
            self.me = me.group(1)
        return response

    def get(self, url: str) -> httpx.Response:
        return self._seen(self.client.get(url))

    def post(self, url: str, **data: Any) -> httpx.Response:
        form = {"csrf": self.csrf, **data}
        return self._seen(self.client.post(url, data=form))

    def do(self, conv: str, command: str, **data: Any) -> httpx.Response:
        return self.post(f"/c/{conv}/do/{command}", participant=self.me, **data)


@pytest.fixture
def webapp(tmp_path: Path) -> Iterator[FastAPI]:
    """The app over a new SQLite store; the store is closed afterwards."""
    app = load_webapp().create_app(str(tmp_path / "talks.db"))
    yield app
    app.state.store.close()


def start(app: FastAPI) -> tuple[str, Person, Person]:
    """A new conversation that Ann (client) and Dr. Bakker (professional) have joined."""
    ann, doctor = Person(app), Person(app)
    ann.get("/")
    created = ann.post("/conversations", protocol="three_talk")
    assert created.status_code == 200
    conv = str(created.url).rsplit("/", 1)[-1]
    assert ann.post(f"/c/{conv}/join", name="Ann", role="client").status_code == 200
    doctor.get(f"/c/{conv}")
    joined = doctor.post(f"/c/{conv}/join", name="Dr. Bakker", role="professional")
    assert joined.status_code == 200
    assert 'Signed in as <strong id="me">Dr. Bakker</strong>' in joined.text
    return conv, ann, doctor


def events(app: FastAPI, conv: str) -> list[Any]:
    return list(app.state.store.load(conv))


def test_a_whole_conversation_through_the_forms(webapp: FastAPI) -> None:
    """From joining to an agreed decision; the page shows the head and the store verifies."""
    conv, ann, doctor = start(webapp)
    ok = 200  # every command redirects back to the conversation page

    assert doctor.do(conv, "move_to", phase="team_talk").status_code == ok
    assert ann.do(conv, "add_topic", text="Walking again").status_code == ok
    assert ann.do(conv, "state_problem", text="The knee hurts when I walk").status_code == ok
    assert ann.do(conv, "add_goal", text="Walk to the shop").status_code == ok
    assert doctor.do(conv, "move_to", phase="option_talk").status_code == ok
    assert doctor.do(conv, "propose_option", text="Physiotherapy").status_code == ok
    assert doctor.do(conv, "propose_option", text="Wait and see").status_code == ok
    for option, stance, text in [
        ("o1", "pro", "Strength comes back"),
        ("o2", "con", "Pain may stay"),
    ]:
        page = ann.do(conv, "add_consideration", option=option, stance=stance, text=text)
        assert page.status_code == ok
    assert doctor.do(conv, "move_to", phase="decision_talk").status_code == ok
    assert ann.do(conv, "state_preference", option="o1").status_code == ok
    when = datetime.now(UTC).astimezone().date() + timedelta(days=1)  # the app's clock is local
    terms = {"who": "Ann", "what": "Twice a week", "when": when.isoformat()}
    review = (when + timedelta(days=42)).isoformat()
    assert (
        doctor.do(conv, "propose_decision", option="o1", review_on=review, **terms).status_code
        == ok
    )
    assert ann.do(conv, "object", reason="Too often").status_code == ok
    terms["what"] = "Once a week"
    assert (
        doctor.do(conv, "propose_decision", option="o1", review_on=review, **terms).status_code
        == ok
    )
    final = ann.do(conv, "consent")

    assert final.status_code == ok
    kinds = [event.kind for event in events(webapp, conv)]
    assert "decided" in kinds
    assert "refused" not in kinds
    head = events(webapp, conv)[-1]
    assert f"head <code>{head.hash}</code>" in final.text
    assert ann.get(f"/c/{conv}?lang=nl").text.count("Nederlands") == 1
    assert verify_store(webapp.state.store).ok
    listing = ann.get("/")
    assert conv in listing.text
    assert "decision talk" in listing.text or "evaluation" in listing.text


def test_the_page_offers_allowed_commands_and_explains_the_others(webapp: FastAPI) -> None:
    conv, ann, _ = start(webapp)

    page = ann.get(f"/c/{conv}")

    assert 'id="do-add_goal"' in page.text
    assert 'id="do-consent"' not in page.text
    assert "<strong>consent</strong>:" in page.text  # with its reasons
    dutch = ann.get(f"/c/{conv}?lang=nl")
    assert "Over welke onderwerpen wilt u het vandaag hebben?" in dutch.text


def test_a_refusal_shows_its_reasons_with_409(webapp: FastAPI) -> None:
    conv, _, doctor = start(webapp)
    doctor.do(conv, "move_to", phase="team_talk")

    refused = doctor.do(conv, "move_to", phase="option_talk")

    assert refused.status_code == 409
    assert 'id="reasons"' in refused.text
    assert "goal" in refused.text.split('id="reasons"')[1].split("</ul>")[0]
    assert events(webapp, conv)[-1].kind == "refused"


def test_bad_input_is_400_with_the_message(webapp: FastAPI) -> None:
    conv, ann, doctor = start(webapp)
    before = len(events(webapp, conv))

    empty = ann.do(conv, "add_topic", text="")
    no_day = doctor.do(conv, "pause", until="next week", reason="Think")
    no_phase = doctor.do(conv, "move_to", phase="somewhere")

    assert empty.status_code == 400
    assert 'class="error"' in empty.text
    assert no_day.status_code == 400
    assert "until: expected a day as YYYY-MM-DD" in no_day.text
    assert no_phase.status_code == 400
    assert len(events(webapp, conv)) == before


def test_a_form_without_csrf_token_is_403(webapp: FastAPI) -> None:
    conv, ann, _ = start(webapp)
    before = len(events(webapp, conv))

    plain = ann.client.post(f"/c/{conv}/do/add_topic", data={"participant": ann.me, "text": "x"})
    wrong = ann.client.post(
        f"/c/{conv}/do/add_topic", data={"participant": ann.me, "text": "x", "csrf": "forged"}
    )

    assert plain.status_code == 403
    assert wrong.status_code == 403
    assert len(events(webapp, conv)) == before


def test_acting_as_another_participant_is_403_and_no_event(webapp: FastAPI) -> None:
    conv, ann, doctor = start(webapp)
    before = len(events(webapp, conv))

    as_ann = doctor.post(f"/c/{conv}/do/add_topic", participant=ann.me, text="Not mine")
    stranger = Person(webapp)
    stranger.get(f"/c/{conv}")
    unsigned = stranger.post(f"/c/{conv}/do/add_topic", participant=ann.me, text="Nor mine")

    assert ann.me != doctor.me
    assert as_ann.status_code == 403
    assert unsigned.status_code == 403
    assert len(events(webapp, conv)) == before


def test_sign_in_by_name(webapp: FastAPI) -> None:
    conv, _, _ = start(webapp)
    again = Person(webapp)
    again.get(f"/c/{conv}")

    unknown = again.post(f"/c/{conv}/signin", name="Nobody")
    known = again.post(f"/c/{conv}/signin", name="Ann")

    assert unknown.status_code == 400
    assert known.status_code == 200
    assert again.me == "p1"


def test_user_text_is_escaped(webapp: FastAPI) -> None:
    conv, ann, _ = start(webapp)

    page = ann.do(conv, "add_topic", text="<script>alert('x')</script>")

    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(" in page.text


def test_listing_pages(webapp: FastAPI) -> None:
    person = Person(webapp)
    person.get("/")
    made = [
        str(person.post("/conversations", protocol="six_step").url).rsplit("/", 1)[-1]
        for _ in range(22)
    ]

    first = person.get("/")
    second = person.get("/?after=" + sorted(made)[19])

    assert first.text.count("/c/") == 20
    assert 'id="next-page"' in first.text
    assert second.text.count("/c/") == 2
    assert "six_step" in second.text
    assert verify_store(webapp.state.store).ok


def test_unknown_conversation_is_404(webapp: FastAPI) -> None:
    assert TestClient(webapp).get("/c/no-such-talk").status_code == 404


def test_the_acts_of_the_guides_through_the_forms(webapp: FastAPI) -> None:
    """Role preference, a question and its answer, teach-back and a SURE check by form."""
    conv, ann, doctor = start(webapp)
    ok = 200

    page = ann.get(f"/c/{conv}")
    assert 'id="do-state_role_preference"' in page.text
    assert 'id="do-ask"' in page.text
    assert ann.do(conv, "state_role_preference", preference="share").status_code == ok
    assert ann.do(conv, "ask", text="How long will it take?").status_code == ok
    answer_form = doctor.get(f"/c/{conv}")
    assert 'id="do-answer"' in answer_form.text
    assert "How long will it take?" in answer_form.text
    assert doctor.do(conv, "answer", question="q1", text="About six weeks").status_code == ok
    assert doctor.do(conv, "move_to", phase="team_talk").status_code == ok
    assert (
        doctor.do(
            conv, "check_understanding", of="p1", understood="yes", note="Said it back"
        ).status_code
        == ok
    )
    bad = doctor.do(conv, "check_understanding", of="p1", understood="maybe", note="x")

    assert bad.status_code == 400
    assert "yes or no" in bad.text
    kinds = [event.kind for event in events(webapp, conv)]
    assert kinds.count("question-answered") == 1
    assert "understanding-checked" in kinds
    assert "role-preference-stated" in kinds
    assert "refused" not in kinds
    assert verify_store(webapp.state.store).ok


# ---------------------------------------------------------------------- another writer

#: The app, and an opener of another handle on its store (as another process would have).
Served = tuple["FastAPI", "Callable[[], EventStore]"]


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The app over a new store of each kind, and an opener of another handle on it."""
    if request.param == "sqlite":
        url = str(tmp_path / "talks.db")

        def other() -> EventStore:
            return SQLiteStore(url)

    else:
        url = postgres_url(request.getfixturevalue("postgres"))

        def other() -> EventStore:
            return PostgresStore(url)

    app = load_webapp().create_app(url)
    yield app, other
    app.state.store.close()


def topics(store: EventStore, conv: str) -> list[str]:
    """The texts of the topics stored for ``conv``, in order."""
    return [str(e.data["text"]) for e in store.load(conv) if e.kind == "topic-added"]


class TestAnotherWriter:
    def test_what_another_writer_did_after_the_page_load_is_kept(self, served: Served) -> None:
        """Another process adds a topic between Ann's page load and her form post: her
        command is given to the conversation as it is then; both are stored once."""
        app, other = served
        conv, ann, doctor = start(app)
        doctor.do(conv, "move_to", phase="team_talk")
        ann.get(f"/c/{conv}")
        elsewhere = other()
        copy = open_conversation(elsewhere, conv)
        copy.add_topic("From elsewhere", by=copy.participant("p2"))
        elsewhere.close()

        posted = ann.do(conv, "add_topic", text="Walking")

        assert posted.status_code == 200
        assert topics(app.state.store, conv) == ["From elsewhere", "Walking"]
        assert "From elsewhere" in posted.text
        assert verify_store(app.state.store).ok

    def test_a_conflict_while_the_command_is_given_is_retried(
        self, served: Served, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Another process appends in the moment between the app opening the conversation
        and writing Ann's topic: the write is a conflict, the app gives the command again
        on a fresh copy, and each topic is stored once; the store verifies."""
        app, other = served
        conv, ann, doctor = start(app)
        doctor.do(conv, "move_to", phase="team_talk")
        store = app.state.store
        append = store.append_events
        attempts: list[int] = []
        conflicts: list[ConflictError] = []

        def another_writer_first(events: Any) -> None:
            attempts.append(events[0].seq)
            if len(attempts) == 1:
                elsewhere = other()
                copy = open_conversation(elsewhere, conv)
                copy.add_topic("Sneaked in", by=copy.participant("p2"))
                elsewhere.close()
            try:
                append(events)
            except ConflictError as error:
                conflicts.append(error)
                raise

        monkeypatch.setattr(store, "append_events", another_writer_first)

        posted = ann.do(conv, "add_topic", text="Walking")

        assert posted.status_code == 200
        assert len(conflicts) == 1
        assert attempts == [attempts[0], attempts[0] + 1]
        assert topics(store, conv) == ["Sneaked in", "Walking"]
        assert [e.kind for e in store.load(conv)].count("refused") == 0
        assert verify_store(store).ok

    def test_a_conversation_that_keeps_changing_is_409_and_records_nothing(
        self, served: Served, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When another writer is first on every attempt, the page says the command was not
        recorded (409); only the other writer's topics are stored; the store verifies."""
        app, other = served
        conv, ann, doctor = start(app)
        doctor.do(conv, "move_to", phase="team_talk")
        store = app.state.store
        append = store.append_events
        attempts: list[int] = []

        def always_late(events: Any) -> None:
            attempts.append(events[0].seq)
            elsewhere = other()
            copy = open_conversation(elsewhere, conv)
            copy.add_topic(f"Other {len(attempts)}", by=copy.participant("p2"))
            elsewhere.close()
            append(events)

        monkeypatch.setattr(store, "append_events", always_late)

        posted = ann.do(conv, "add_topic", text="Walking")

        assert posted.status_code == 409
        assert "it was not recorded" in posted.text
        assert len(attempts) == 5
        assert topics(store, conv) == [f"Other {n}" for n in range(1, 6)]
        assert verify_store(store).ok


class TestPostgres:
    def test_the_app_on_postgresql(self, postgres: str) -> None:
        """Given a postgresql:// URL the app keeps its conversations in PostgreSQL: a new
        conversation, joins, commands, a refusal, the listing; another handle reads the
        same events, and the store verifies."""
        url = postgres_url(postgres)
        app = load_webapp().create_app(url)
        try:
            conv, ann, doctor = start(app)
            ok = [
                doctor.do(conv, "move_to", phase="team_talk").status_code,
                ann.do(conv, "add_topic", text="Walking again").status_code,
                ann.do(conv, "add_goal", text="Walk to the shop").status_code,
            ]
            refused = doctor.do(conv, "move_to", phase="option_talk")  # no problem stated
            listing = ann.get("/")

            assert isinstance(app.state.store, PostgresStore)
            assert ok == [200, 200, 200]
            assert refused.status_code == 409
            assert conv in listing.text
            assert "team talk" in listing.text
            with PostgresStore(url) as again:
                events = again.load(conv)
                assert events == app.state.store.load(conv)
                assert [e.kind for e in events][-1] == "refused"
                assert topics(again, conv) == ["Walking again"]
                assert verify_store(again).ok
        finally:
            app.state.store.close()
