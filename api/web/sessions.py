"""Signed-in browsers: a random token in an HttpOnly, SameSite cookie names a session kept in
this process's memory, which holds the key the person signed in with and the CSRF token of
its forms. The key never reaches a page, a URL or a log; every request authenticates it
again, so a key revoked or expired while signed in stops working at once.

Sessions end after ``IDLE`` without a request, on signing out, or when the process restarts
(people sign in again). Run one process per set of browsers, or sticky sessions, since a
session lives in one process.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

SESSION_COOKIE = "cb_session"
FORM_COOKIE = "cb_form"
"""Before signing in there is no session: the sign-in form's token is also set in this
cookie (double submit), so another site cannot sign a browser in with its own key."""
IDLE = 30 * 60.0
CAPACITY = 10_000


@dataclass
class WebSession:
    key: str = field(repr=False)
    csrf: str
    seen: float


class SessionStore:
    """Sessions by token, least recently used first; the oldest go beyond ``capacity``."""

    def __init__(self, *, idle: float = IDLE, capacity: int = CAPACITY) -> None:
        self.idle = idle
        self.capacity = capacity
        self._by_token: OrderedDict[str, WebSession] = OrderedDict()

    def open(self, key: str) -> tuple[str, WebSession]:
        """A new session for ``key`` and the token its cookie carries."""
        token = secrets.token_urlsafe(32)
        session = WebSession(key=key, csrf=secrets.token_urlsafe(32), seen=time.monotonic())
        self._by_token[token] = session
        while len(self._by_token) > self.capacity:
            self._by_token.popitem(last=False)
        return token, session

    def get(self, token: str | None) -> WebSession | None:
        """The live session of ``token``; an idle one is closed."""
        session = self._by_token.get(token) if token else None
        if session is None or token is None:
            return None
        now = time.monotonic()
        if now - session.seen > self.idle:
            del self._by_token[token]
            return None
        session.seen = now
        self._by_token.move_to_end(token)
        return session

    def close(self, token: str | None) -> None:
        if token:
            self._by_token.pop(token, None)


def same_token(expected: str | None, given: str | None) -> bool:
    """Whether a form sent back the token it was given (constant time)."""
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))
