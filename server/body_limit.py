"""Refuses oversized request bodies before a route reads them (413 too_large), whether the
client declares a Content-Length or streams chunks."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sync.protocol import ErrorCode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: Asgi, default_limit: int, blob_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit
        self.blob_limit = blob_limit

    def _limit_for(self, scope: Scope) -> int:
        return self.blob_limit if "/blobs/" in scope.get("path", "") else self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        if _declared_length(scope) > limit:
            await _send_too_large(send, limit)
            return
        received = 0
        started = False
        overflowed = False

        async def counting_receive() -> Message:
            nonlocal received, overflowed
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                overflowed = True
                raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            # FastAPI turns any error while reading a JSON body into its own 400, so an
            # overflow it swallowed is answered here, in place of that response.
            nonlocal started
            if overflowed:
                if not started:
                    started = True
                    await _send_too_large(send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_too_large(send, limit)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _send_too_large(send: Send, limit: int) -> None:
    body = {"error": {"code": ErrorCode.TOO_LARGE.value, "message": f"body over {limit} bytes"}}
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
