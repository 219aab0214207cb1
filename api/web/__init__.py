"""Web pages for learners, registrars and policy staff under /web: server-rendered HTML in
Chinese and English over the same service layer as the API, usable without JavaScript (a
small script only adds the print button). ``mount(app)`` adds them to the API's app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from api.web import equivalence, home, learner, policy, registrar
from api.web.access import PageError
from api.web.i18n import choose, translator
from api.web.render import HERE, page
from api.web.sessions import SessionStore


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    message = translator(choose(request))(exc.key, **exc.values)
    if exc.status == 401:
        return home.sign_in_page(request, None, error=message, status=401)
    return page(request, "error.html", status=exc.status, message=message)


def mount(app: FastAPI) -> None:
    """Serve the pages, their stylesheet and script, and keep the signed-in sessions."""
    app.state.web_sessions = SessionStore()
    for module in (home, learner, registrar, policy, equivalence):
        app.include_router(module.router)
    app.mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static")
    app.add_exception_handler(PageError, _page_error)
