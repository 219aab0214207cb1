"""Around every request: a request id (taken from ``X-Request-ID`` when it is sane, else
made), the body size limit, and one structured access-log line.

The size limit answers 413 from ``Content-Length`` before reading anything, and counts the
bytes of a body sent without it, stopping at the limit, so an oversized upload is never read
into memory. The access log holds method, path (never the query string, which may carry a
national ID number or a key), status, time, request id and the caller's key id: never a key.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response

access_log = logging.getLogger("creditbank.api.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class _TooLarge(Exception):
    pass


class RequestContext:
    """Request id, body size limit and access log, as one ASGI middleware."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body:
                raise _TooLarge
            await self.app(scope, self._limited(receive), send_with_id)
        except _TooLarge:
            response = problem_response(
                413,
                "request.too_large",
                f"the request body is over {self.max_body:,} bytes; send less at a time",
                instance=scope["path"],
            )
            await response(scope, receive, send_with_id)
        finally:
            self._log(scope, status, started, request_id)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        return counted

    @staticmethod
    def _log(scope: Scope, status: int, started: float, request_id: str) -> None:
        caller: Any = scope.get("state", {}).get("caller")
        line = {
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "key_id": getattr(caller, "key_id", None),
            "role": getattr(caller, "role", None),
        }
        access_log.info(json.dumps(line))
