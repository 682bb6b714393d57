"""A reference web app for threetalk: server-rendered pages that work without JavaScript.

Start it with ``python examples/webapp/app.py talks.db`` (a SQLite file, made when missing)
or with a ``postgresql://`` URL; see ``examples/webapp/README.md``.

Who acts: a browser session is bound to one participant of one conversation by a plain
sign-in by name. That sign-in is where a real app puts its own authentication. Every form
acts only ``by`` that participant and carries the session's CSRF token; a form naming
another participant is answered 403 and never reaches the conversation, so it is no
threetalk refusal event.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

import threetalk as tt
from threetalk.store import (
    ConflictError,
    PostgresStore,
    SQLiteStore,
    UnknownConversation,
    open_conversation,
    retrying,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from starlette.datastructures import FormData

    from threetalk.typing import EventStore

HERE = Path(__file__).resolve().parent
COOKIE = "threetalk_session"
LANGUAGES = ("en", "nl")
PAGE_SIZE = 20
#: How often a command is given again after another writer was first (``retrying``).
ATTEMPTS = 5

# The fields of each command's form: (form field, kind). The kinds are parsed below.
FIELDS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "add_topic": (("text", "text"),),
    "state_problem": (("text", "text"),),
    "add_goal": (("text", "text"),),
    "add_concern": (("text", "text"),),
    "move_to": (("phase", "phase"),),
    "propose_option": (("text", "text"),),
    "add_consideration": (("option", "option"), ("stance", "stance"), ("text", "text")),
    "withdraw_option": (("option", "option"), ("reason", "text")),
    "start_trial": (("option", "option"), ("evaluate_on", "date")),
    "end_trial": (("option", "option"), ("outcome", "text")),
    "state_preference": (("option", "option_or_none"),),
    "delegate": (("to", "participant"),),
    "propose_decision": (
        ("option", "option"),
        ("who", "text"),
        ("what", "text"),
        ("when", "date"),
        ("review_on", "date"),
    ),
    "consent": (),
    "object": (("reason", "text"),),
    "impose": (("justification", "text"),),
    "pause": (("until", "date"), ("reason", "text")),
    "resume": (),
    "close": (("reason", "text"),),
    "evaluate": (("outcome", "text"), ("process", "text")),
    "state_role_preference": (("preference", "decision_role"),),
    "ask": (("text", "text"),),
    "answer": (("question", "question"), ("text", "text")),
    "add_analysis": (("kind", "analysis"), ("text", "text")),
    "check_understanding": (("of", "participant"), ("understood", "yes_no"), ("note", "text")),
    "share_information": (("text", "text"), ("kind", "information"), ("option", "option_or_none")),
    "decline": (("option", "option"), ("reason", "text")),
    "waive": (("option", "option"), ("justification", "text")),
    "check_conflict": (
        ("sure", "yes_no"),
        ("informed", "yes_no"),
        ("values_clear", "yes_no"),
        ("supported", "yes_no"),
    ),
}
# The values a select offers, per kind of field (the enums' values; yes/no for booleans).
CHOICES: Mapping[str, tuple[str, ...]] = {
    "stance": tuple(each.value for each in tt.Stance),
    "decision_role": tuple(each.value for each in tt.DecisionRole),
    "analysis": tuple(each.value for each in tt.Analysis),
    "information": tuple(each.value for each in tt.Information),
    "yes_no": ("yes", "no"),
}
# Arguments given by position rather than by name.
POSITIONAL: Mapping[str, tuple[str, ...]] = {
    "add_consideration": ("option", "stance", "text"),
    "withdraw_option": ("option", "reason"),
    "start_trial": ("option", "evaluate_on"),
    "end_trial": ("option", "outcome"),
    "state_preference": ("option",),
    "delegate": ("to",),
    "propose_decision": ("option",),
    "pause": ("until", "reason"),
    "evaluate": ("outcome", "process"),
    "state_role_preference": ("preference",),
    "answer": ("question", "text"),
    "add_analysis": ("kind", "text"),
    "check_understanding": ("of",),
    "share_information": ("text",),
    "decline": ("option", "reason"),
    "waive": ("option", "justification"),
}


class Forbidden(Exception):
    """A request the session may not make (no CSRF token, or another participant)."""


class NotFound(Exception):
    """No conversation of that id in the store."""


class Sessions:
    """Server-side sessions: a random cookie names a CSRF token and the participants bound.

    A session is bound to at most one participant per conversation.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = {}

    def get(self, token: str | None) -> tuple[str, dict[str, Any]]:
        with self._lock:
            if token is None or token not in self._data:
                token = secrets.token_urlsafe(32)
                self._data[token] = {"csrf": secrets.token_urlsafe(32), "as": {}}
            return token, self._data[token]


def open_store(store_url: str) -> EventStore:
    """A SQLite file by default; a ``postgresql://`` URL opens a PostgreSQL store."""
    if store_url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(store_url)
    return SQLiteStore(store_url)


def _yes_no(raw: str) -> bool:
    """``yes`` or ``no`` as a form sends it."""
    if raw not in {"yes", "no"}:
        raise ValueError(raw)
    return raw == "yes"


def _parse(conv: tt.Conversation, kind: str, name: str, raw: str) -> object:
    """One form value as the command's argument; malformed input is ``InvalidInput``."""
    on_conversation: dict[str, Callable[[str], object]] = {
        "text": str,
        "option": conv.option,
        "option_or_none": lambda value: None if value in {"", "none"} else conv.option(value),
        "participant": conv.participant,
        "question": conv.question,
    }
    if kind in on_conversation:
        return on_conversation[kind](raw)  # their own InvalidInput for an unknown id
    plain: dict[str, tuple[Callable[[str], object], str]] = {
        "phase": (tt.Phase, "phase"),
        "stance": (tt.Stance, "stance (pro or con)"),
        "decision_role": (tt.DecisionRole, "role (decide_myself, share, leave_to_professional)"),
        "analysis": (tt.Analysis, "kind of analysis"),
        "information": (tt.Information, "kind of information"),
        "yes_no": (_yes_no, "yes or no"),
        "date": (date.fromisoformat, "day as YYYY-MM-DD"),
    }
    parse, expected = plain[kind]
    try:
        return parse(raw)
    except ValueError:
        msg = f"{name}: expected a {expected}, got {raw!r:.40}"
        raise tt.InvalidInput(msg, name) from None


def _command(name: str, form: FormData, me: str) -> Callable[[tt.Conversation], None]:
    """The command the form asks for, acting by ``me``, to give to a (re)opened copy."""

    def run(conv: tt.Conversation) -> None:
        values = {}
        for field, kind in FIELDS[name]:
            raw = form.get(field)
            if not isinstance(raw, str):
                msg = f"{field}: missing"
                raise tt.InvalidInput(msg, field)
            values[field] = _parse(conv, kind, field, raw.strip())
        positional = [values.pop(field) for field in POSITIONAL.get(name, ())]
        getattr(conv, name)(*positional, by=conv.participant(me), **values)

    return run


def _line(event: tt.Event, names: Mapping[str, str], options: Mapping[str, str]) -> str:
    """What an event says, in plain words (user text is escaped by the template)."""
    data = event.data
    if event.kind == "refused":
        reasons = " ".join(reason["message"] for reason in data["reasons"])
        return f"{data['command']} refused: {reasons}"
    if event.kind == "advisory":
        return f"{data['rule']}: {data['message']}"
    shown = []
    for key, value in data.items():
        if key in {"option"} and isinstance(value, str):
            shown.append(f"option: {options.get(value, value)}")
        elif key in {"to", "participant"} and isinstance(value, str) and value in names:
            shown.append(f"{key}: {names[value]}")
        elif key not in {"fingerprint", "clock", "params"}:
            shown.append(f"{key}: {value}")
    return "; ".join(shown)


def create_app(store_url: str) -> FastAPI:  # noqa: PLR0915 - routes share store and sessions
    """The app over one store, opened once and shared by every request of the process."""
    store = open_store(store_url)
    protocols = tt.builtin_protocols()
    sessions = Sessions()
    known: dict[str, tt.Protocol] = {}
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescapes .html

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()  # when the server stops

    app = FastAPI(title="threetalk web app", lifespan=lifespan)
    app.state.store = store

    def protocol_of(conversation_id: str) -> tt.Protocol:
        if conversation_id not in known:
            stored = store.load(conversation_id)
            if not stored:
                raise NotFound(conversation_id)
            known[conversation_id] = protocols[stored[0].data["protocol"]]
        return known[conversation_id]

    def session(request: Request) -> tuple[str, dict[str, Any]]:
        return sessions.get(request.cookies.get(COOKIE))

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        token, data = session(request)
        context = {"csrf": data["csrf"], **context}
        response = templates.TemplateResponse(request, name, context, status_code=status)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def checked_form(request: Request) -> tuple[FormData, dict[str, Any]]:
        form = await request.form()
        _, data = session(request)
        given = form.get("csrf")
        if not isinstance(given, str) or not secrets.compare_digest(given, data["csrf"]):
            msg = "The form has no valid CSRF token; reload the page and try again."
            raise Forbidden(msg)
        return form, data

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, error: Exception) -> Response:
        return HTMLResponse(f"<h1>Forbidden</h1><p>{error}</p>", status_code=403)

    @app.exception_handler(NotFound)
    @app.exception_handler(UnknownConversation)
    async def unknown(_request: Request, _error: Exception) -> Response:
        return HTMLResponse("<h1>No such conversation</h1>", status_code=404)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, after: str | None = None) -> Response:
        page = store.conversations(limit=PAGE_SIZE, after=after or None)  # type: ignore[attr-defined]
        more = page[-1].conversation_id if len(page) == PAGE_SIZE else None
        return render(
            request,
            "index.html",
            {"page": page, "more": more, "protocols": sorted(protocols)},
        )

    @app.post("/conversations")
    async def new_conversation(request: Request) -> Response:
        form, _ = await checked_form(request)
        name = str(form.get("protocol", ""))
        if name not in protocols:
            return HTMLResponse(f"Unknown protocol {name!r:.40}", status_code=400)
        conv = tt.Conversation(protocols[name], store=store)
        known[conv.id] = conv.protocol
        return RedirectResponse(f"/c/{conv.id}", status_code=303)

    def page(
        request: Request,
        conversation_id: str,
        lang: str = "en",
        *,
        error: str | None = None,
        reasons: tuple[str, ...] = (),
        status: int = 200,
    ) -> Response:
        lang = lang if lang in LANGUAGES else "en"
        conv = open_conversation(store, conversation_id, protocol_of(conversation_id))
        _, data = session(request)
        me_id = data["as"].get(conversation_id)
        me = conv.participant(me_id) if me_id else None
        head = tt.verify(conv.events)
        names = {p.id: p.name for p in conv.participants}
        options = {o.id: o.text for o in conv.options}
        targets = conv.protocol.targets.get(conv.phase, ())
        allowed = sorted(conv.allowed_commands(by=me)) if me else []
        if me and targets and "move_to" not in allowed:
            # Whether a move is refused depends on where to: the form stays, with the
            # reasons of each move below it, and a refused move is recorded as such.
            allowed.append("move_to")
        refused = {
            name: [reason.text(lang) for reason in conv.why_not_command(name, by=me)]
            for name in FIELDS
            if me and name not in allowed
        }
        moves = {
            phase.label: [reason.text(lang) for reason in conv.why_not(phase)] for phase in targets
        }
        timeline = [
            {
                "seq": event.seq,
                "at": event.at.strftime("%Y-%m-%d %H:%M:%S"),
                "who": names.get(event.actor or "", ""),
                "kind": event.kind,
                "text": _line(event, names, options),
            }
            for event in conv.events
        ]
        context = {
            "conv": conv,
            "me": me,
            "lang": lang,
            "step": conv.step,
            "prompts": conv.prompts(language=lang, to=me.role if me else None),
            "allowed": allowed,
            "refused": refused,
            "fields": FIELDS,
            "targets": targets,
            "moves": moves,
            "roles": list(tt.Role),
            "choices": CHOICES,
            "open_options": [s.option for s in conv.option_states if s.open],
            "questions": [
                q.question for q in conv.questions if me is None or q.question.asked_by != me.id
            ],
            "timeline": timeline,
            "head": head,
            "error": error,
            "reasons": reasons,
        }
        return render(request, "conversation.html", context, status)

    @app.get("/c/{conversation_id}", response_class=HTMLResponse)
    def conversation(request: Request, conversation_id: str, lang: str = "en") -> Response:
        return page(request, conversation_id, lang)

    @app.post("/c/{conversation_id}/signin")
    async def sign_in(request: Request, conversation_id: str) -> Response:
        form, data = await checked_form(request)
        conv = open_conversation(store, conversation_id, protocol_of(conversation_id))
        name = str(form.get("name", "")).strip()
        found = [p for p in conv.participants if p.name == name]
        if not found:
            return page(
                request, conversation_id, error=f"No participant named {name!r}.", status=400
            )
        data["as"][conversation_id] = found[0].id
        return RedirectResponse(f"/c/{conversation_id}", status_code=303)

    @app.post("/c/{conversation_id}/join")
    async def join(request: Request, conversation_id: str) -> Response:
        form, data = await checked_form(request)
        name, role = form.get("name"), form.get("role")

        def command(conv: tt.Conversation) -> str:
            try:
                chosen = tt.Role(role)
            except ValueError:
                msg = f"role: expected one of client, relative, professional, got {role!r:.40}"
                raise tt.InvalidInput(msg, "role") from None
            return conv.join(name, chosen).id  # type: ignore[arg-type]

        outcome = attempt(request, conversation_id, command)
        if isinstance(outcome, Response):
            return outcome
        data["as"][conversation_id] = outcome
        return RedirectResponse(f"/c/{conversation_id}", status_code=303)

    @app.post("/c/{conversation_id}/signout")
    async def sign_out(request: Request, conversation_id: str) -> Response:
        _, data = await checked_form(request)
        data["as"].pop(conversation_id, None)
        return RedirectResponse(f"/c/{conversation_id}", status_code=303)

    @app.post("/c/{conversation_id}/do/{command}")
    async def do(request: Request, conversation_id: str, command: str) -> Response:
        form, data = await checked_form(request)
        me = data["as"].get(conversation_id)
        if me is None or form.get("participant") != me:
            msg = "This session acts only as the participant it signed in as."
            raise Forbidden(msg)
        if command not in FIELDS:
            return HTMLResponse(f"Unknown command {command!r:.40}", status_code=404)
        outcome = attempt(request, conversation_id, _command(command, form, me))
        if isinstance(outcome, Response):
            return outcome
        return RedirectResponse(f"/c/{conversation_id}", status_code=303)

    def attempt(
        request: Request, conversation_id: str, command: Callable[[tt.Conversation], Any]
    ) -> Any:
        """Give the command (again after a conflict); a failure is the page with 400/409."""
        try:
            return retrying(
                store,
                conversation_id,
                command,
                attempts=ATTEMPTS,
                protocol=protocol_of(conversation_id),
            )
        except ConflictError:
            # Every attempt lost to another writer; none of them recorded anything.
            error = (
                f"Others changed this conversation {ATTEMPTS} times while your command was "
                "being given, and it was not recorded. Look at the conversation as it is "
                "now and give it again if it still applies."
            )
            return page(request, conversation_id, error=error, status=409)
        except tt.Refused as refusal:
            reasons = tuple(reason.message for reason in refusal.reasons)
            return page(request, conversation_id, error=str(refusal), reasons=reasons, status=409)
        except tt.InvalidInput as invalid:
            return page(request, conversation_id, error=str(invalid), status=400)

    return app


def main(argv: list[str] | None = None) -> None:
    """``python examples/webapp/app.py [STORE] [PORT]``: serve on 127.0.0.1."""
    import uvicorn  # noqa: PLC0415 - only needed to serve

    args = sys.argv[1:] if argv is None else argv
    store_url = args[0] if args else "talks.db"
    port = int(args[1]) if len(args) > 1 else 8000
    uvicorn.run(create_app(store_url), host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
