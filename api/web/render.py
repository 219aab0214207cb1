"""Pages as HTML responses: Jinja2 templates (autoescaped, strict about missing values) with
the person's language, their session's CSRF token, and the headers every page carries (a
Content-Security-Policy that admits only this site's own styles and script, no caching of
personal pages, no framing)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.web.i18n import choose, translator
from creditbank.domain import Lang

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def name_in(lang: Lang, label: Any) -> str:
    """A name in ``lang``, falling back to the other language: a Label, a mapping or text."""
    if label is None:
        return ""
    if isinstance(label, dict):
        return str(label.get(lang.value) or label.get("en") or label.get("zh") or "")
    if hasattr(label, "text"):
        return str(label.text(lang))
    return str(label)


def amount(value: Any) -> str:
    """Credits as people write them: 3, 1.5 (no trailing zeros)."""
    return format(Decimal(str(value)).normalize(), "f")


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` in the request's language."""
    lang = choose(request)
    viewer = getattr(request.state, "web_viewer", None)
    html = _env.get_template(template).render(
        t=translator(lang),
        lang=lang.value,
        name=lambda label: name_in(lang, label),
        amount=amount,
        course_list=lambda codes, names: ", ".join(
            f"{code} {name_in(lang, names.get(code))}".strip() for code in codes
        ),
        viewer=viewer,
        csrf=viewer.session.csrf if viewer else "",
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str) -> Response:
    """After a form: see the result at ``url`` (303, so reloading does not send it again)."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
