"""Whatever a client sends, the answer is a 4xx with ``{"error": {"code", "message"}}``, never a
500: one pass over the ways a phone or a script can get a request wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from server.settings import Settings
from tests.factories import add_staff, login
from tests.live_server import LiveServer

JSON = {"content-type": "application/json"}
TOO_BIG = Settings().max_body_bytes + 1


def chunks_without_length(total: int) -> Iterator[bytes]:
    """A streamed body with no Content-Length, so only counting can catch it."""
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


def test_client_mistakes_get_a_4xx_with_a_code(live_server: LiveServer) -> None:
    add_staff(live_server.database, "li", "cs_supervisor")
    auth = {"Authorization": f"Bearer {login(live_server.api, 'li')}"}
    for name, (method, path, request, status, code) in mistakes(auth).items():
        response = httpx.request(method, f"{live_server.api}{path}", **request)
        assert response.status_code == status, f"{name}: {response.status_code} {response.text}"
        error: dict[str, Any] = response.json()["error"]
        assert error["code"] == code, f"{name}: {error}"
        assert error["message"], name
        if name == "unknown field":
            assert "admin" in error["message"], "the message names the field"
    assert httpx.get(f"{live_server.api}/health").status_code == 200, "the server is still well"


Mistake = tuple[str, str, dict[str, Any], int, str]


def mistakes(auth: dict[str, str]) -> dict[str, Mistake]:
    """name: (method, path, request, expected status, expected code)."""
    login = "/auth/login"
    review = "/visits/00000000-0000-4000-8000-000000000000/review"
    authed_json = auth | JSON
    return {
        "malformed JSON": ("POST", login, raw(b'{"username": '), 400, "malformed_json"),
        "not UTF-8": ("POST", login, raw(b"\xff\xfe\x00{"), 400, "malformed_json"),
        "wrong types": ("POST", login, {"json": {"username": 5, "password": [1]}}, 422, "invalid"),
        "unknown field": (
            "POST", login, {"json": {"username": "a", "password": "b", "admin": 1}}, 422, "invalid"
        ),
        "a list, not an object": ("POST", login, {"json": [1, 2]}, 422, "invalid"),
        "empty body": ("POST", login, raw(b""), 422, "invalid"),
        "form, not JSON": ("POST", login, {"data": {"username": "a"}}, 422, "invalid"),
        "declared oversized": ("POST", login, raw(b"x" * TOO_BIG), 413, "too_large"),
        "streamed oversized": (
            "POST", login, {"content": chunks_without_length(TOO_BIG), "headers": JSON}, 413,
            "too_large",
        ),
        "nested too deep": ("POST", login, raw(b"[" * 100_000 + b"]" * 100_000), 400, "invalid"),
        "unknown path": ("GET", "/no-such-thing", {}, 404, "not_found"),
        "wrong method": ("DELETE", login, {}, 405, "invalid"),
        "no token": ("GET", "/me", {}, 401, "unauthorized"),
        "push, malformed": (
            "POST", "/sync/push", {"content": b"{", "headers": authed_json}, 400, "malformed_json"
        ),
        "push, 101 ops": (
            "POST", "/sync/push", {"json": push_of(101), "headers": auth}, 422, "invalid"
        ),
        "pull, bad cursor": (
            "GET", "/sync/pull", {"params": {"cursor": "abc"}, "headers": auth}, 400, "bad_cursor"
        ),
        "review, bad decision": (
            "POST", review, {"json": {"decision": "maybe"}, "headers": auth}, 422, "invalid"
        ),
        "visits, bad period": (
            "GET", "/visits", {"params": {"period": "2026-13"}, "headers": auth}, 422, "invalid"
        ),
    }  # fmt: skip


def raw(body: bytes) -> dict[str, Any]:
    return {"content": body, "headers": JSON}


def push_of(count: int) -> dict[str, Any]:
    ops = [{"op_id": str(n), "type": "visit.upsert", "record": {}} for n in range(count)]
    return {"device_id": "phone-1", "ops": ops}
