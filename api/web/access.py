"""Who is looking at a page: the signed-in person's caller (their key authenticated again on
every request), the roles a page admits, their own account only, and the CSRF token every
form sends back. A refusal is a ``PageError``, shown as a page in the person's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from api.deps import EngineDep, Now
from api.web.sessions import SESSION_COOKIE, SessionStore, WebSession, same_token
from creditbank.errors import CreditBankError
from creditbank.service import keys
from creditbank.service.keys import Caller
from creditbank.service.learners import learner_key
from creditbank.store.session import session_scope


class PageError(Exception):
    """A page cannot be shown: its HTTP status and the page text (key, values) saying why."""

    def __init__(self, status: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Viewer:
    caller: Caller
    session: WebSession
    token: str


def sessions(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.web_sessions
    return store


def viewer(request: Request, engine: EngineDep, at: Now) -> Viewer | None:
    """The signed-in person, or None; a session whose key stopped being valid is closed."""
    token = request.cookies.get(SESSION_COOKIE)
    session = sessions(request).get(token)
    if session is None or token is None:
        return None
    with session_scope(engine, read_only=True) as db:
        caller = keys.authenticate(db, session.key, at)
    if caller is None:
        sessions(request).close(token)
        return None
    request.state.caller = caller  # the access log names the key id, never the key
    found = Viewer(caller, session, token)
    request.state.web_viewer = found
    return found


MaybeViewer = Annotated[Viewer | None, Depends(viewer)]


def signed_in(*roles: str) -> Callable[..., Viewer]:
    """A dependency admitting a signed-in person whose key has one of ``roles``."""

    def admitted(who: MaybeViewer) -> Viewer:
        if who is None:
            raise PageError(401, "sign_in_first")
        if who.caller.role not in roles:
            raise PageError(403, "not_yours")
        return who

    return admitted


LearnerViewer = Annotated[Viewer, Depends(signed_in("learner"))]
RegistrarViewer = Annotated[Viewer, Depends(signed_in("institution"))]
PolicyViewer = Annotated[Viewer, Depends(signed_in("policy"))]


def check_form(who: Viewer, token: str | None) -> None:
    """Refuse a form that did not come from this session's page."""
    if not same_token(who.session.csrf, token):
        raise PageError(403, "form_expired")


def own_account(who: Viewer, learner_id: str) -> str:
    """The learner's own id; another learner's account is a page that does not exist."""
    try:
        wanted = learner_key(learner_id)
    except CreditBankError:
        raise PageError(404, "not_found") from None
    if wanted != who.caller.scope_id:
        raise PageError(404, "not_found")
    return wanted


def party(who: Viewer) -> str:
    """The institution or learner a scoped key speaks for."""
    assert who.caller.scope_id is not None
    return who.caller.scope_id


def day(text: str | None, at: dt.datetime) -> dt.date:
    """A date typed in a form (YYYY-MM-DD), or today for an empty one."""
    if not text or not text.strip():
        return at.date()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise PageError(422, "bad_date", value=text.strip()[:40]) from None
