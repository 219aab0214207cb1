"""The home page with the sign-in form, signing in and out, and the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import EngineDep, Now
from api.web.access import MaybeViewer, PageError, check_form, sessions
from api.web.i18n import LANG_COOKIE, choose, translator
from api.web.render import page, redirect
from api.web.sessions import FORM_COOKIE, IDLE, SESSION_COOKIE, same_token
from creditbank.service import keys
from creditbank.service.keys import Caller
from creditbank.store.session import session_scope

router = APIRouter(prefix="/web", include_in_schema=False)


def role_home(caller: Caller) -> str | None:
    """Where a role's pages start (None: a role with no pages)."""
    return {
        "learner": f"/web/learners/{caller.scope_id}",
        "institution": "/web/registrar",
        "policy": "/web/policy",
    }.get(caller.role)


def _cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/web",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def sign_in_page(
    request: Request, who: MaybeViewer, *, error: str = "", status: int = 200
) -> Response:
    """The home page; a signed-out visitor gets a fresh sign-in form token."""
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        "home.html",
        status=status,
        form_token=token,
        sign_in_error=error,
        role_home=role_home(who.caller) if who else None,
    )
    _cookie(response, request, FORM_COOKIE, token, 3600)
    return response


@router.get("/")
def home(request: Request, who: MaybeViewer) -> Response:
    return sign_in_page(request, who)


@router.post("/sign-in")
def sign_in(
    request: Request,
    engine: EngineDep,
    at: Now,
    key: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:
    """Open a session for a valid key; a wrong key is told so on the same form (401)."""
    t = translator(choose(request))
    if not same_token(request.cookies.get(FORM_COOKIE), form_token):
        return sign_in_page(request, None, error=t("form_expired"), status=403)
    if not key.strip():
        return sign_in_page(request, None, error=t("key_empty"), status=422)
    with session_scope(engine, read_only=True) as db:
        caller = keys.authenticate(db, key.strip(), at)
    if caller is None:
        return sign_in_page(request, None, error=t("key_invalid"), status=401)
    sessions(request).close(request.cookies.get(SESSION_COOKIE))
    token, _ = sessions(request).open(key.strip())
    response = redirect(role_home(caller) or "/web/")
    _cookie(response, request, SESSION_COOKIE, token, int(IDLE))
    response.delete_cookie(FORM_COOKIE, path="/web")
    return response


@router.post("/sign-out")
def sign_out(request: Request, who: MaybeViewer, csrf: Annotated[str, Form()] = "") -> Response:
    if who is not None:
        check_form(who, csrf)
        sessions(request).close(who.token)
    response = redirect("/web/")
    response.delete_cookie(SESSION_COOKIE, path="/web")
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/web/") -> Response:
    """Remember the language and go back to the page (only a page of this site)."""
    if lang not in ("zh", "en"):
        raise PageError(404, "not_found")
    target = next if next.startswith("/web") and not next.startswith("//") else "/web/"
    response = redirect(target)
    _cookie(response, request, LANG_COOKIE, lang, 365 * 24 * 3600)
    return response
