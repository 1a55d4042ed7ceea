"""Logging in, tokens and throttling, through the real server on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from server.db.models import LoginFailureRow, StaffRow, TokenRow
from server.services.auth import token_digest
from server.services.login import ADDRESS_LIMIT_FACTOR
from server.settings import Settings
from tests.factories import PASSWORD, add_staff, login
from tests.live_server import LiveServer

LIMIT = Settings().login_failure_limit
LOCKOUT = Settings().login_lockout


def attempt(server: LiveServer, username: str, password: str = PASSWORD) -> httpx.Response:
    body = {"username": username, "password": password, "device_id": "phone-1"}
    return httpx.post(f"{server.api}/auth/login", json=body)


def me(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(f"{server.api}/me", headers={"Authorization": f"Bearer {token}"})


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def test_login_gives_a_token_that_me_accepts_until_logout(live_server: LiveServer) -> None:
    staff_id = add_staff(live_server.database, "wang", "property_assistant", team_id="t1")
    response = attempt(live_server, "wang")
    assert response.status_code == 200
    body = response.json()
    assert body["staff"] == {
        "id": staff_id,
        "username": "wang",
        "name": "员工wang",
        "role": "property_assistant",
        "team_id": "t1",
        "center_id": "c1",
        "supervisor_id": None,
    }
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires - datetime.now(UTC) > Settings().token_lifetime - timedelta(minutes=5)
    token = body["token"]
    assert me(live_server, token).json()["id"] == staff_id
    second = login(live_server.api, "wang")

    logout = httpx.post(
        f"{live_server.api}/auth/logout", headers={"Authorization": f"Bearer {token}"}
    )
    assert logout.status_code == 204
    assert me(live_server, token).status_code == 401
    assert me(live_server, second).status_code == 200, "logout ends one device's token only"

    with live_server.database.write() as session:
        session.execute(update(StaffRow).where(StaffRow.id == staff_id).values(active=False))
    assert me(live_server, second).status_code == 401, "a disabled account's tokens stop working"


def test_bad_credentials_and_bad_tokens_get_401(live_server: LiveServer) -> None:
    """Wrong or unknown user alike (no hint which), and every kind of token that is not live."""
    staff_id = add_staff(live_server.database, "wang")
    wrong = attempt(live_server, "wang", "not the password")
    unknown = attempt(live_server, "nobody")
    assert (wrong.status_code, error_code(wrong)) == (401, "bad_credentials")
    assert (unknown.status_code, error_code(unknown)) == (401, "bad_credentials")
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]

    expired = "an-expired-token"
    with live_server.database.write() as session:
        session.add(
            TokenRow(
                token_hash=token_digest(expired),
                staff_id=staff_id,
                expires_at=datetime.now(UTC) - timedelta(minutes=1),
            )
        )
    missing = httpx.get(f"{live_server.api}/me")
    basic = httpx.get(f"{live_server.api}/me", headers={"Authorization": "Basic d2FuZzp4"})
    for response in (missing, basic, me(live_server, "forged-token"), me(live_server, expired)):
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_repeated_failures_lock_the_user_name_for_a_while(live_server: LiveServer) -> None:
    add_staff(live_server.database, "wang")
    add_staff(live_server.database, "li")
    for _ in range(LIMIT - 1):
        assert attempt(live_server, "wang", "guess").status_code == 401
    assert attempt(live_server, "wang").status_code == 200, "under the limit, the right password"
    assert attempt(live_server, "wang", "guess").status_code == 401, "success cleared the count"
    for _ in range(LIMIT - 1):
        assert attempt(live_server, "wang", "guess").status_code == 401

    locked = attempt(live_server, "wang")
    assert locked.status_code == 429
    assert error_code(locked) == "too_many_attempts"
    retry_after = locked.json()["error"]["retry_after"]
    assert 0 < retry_after <= LOCKOUT.total_seconds()
    assert locked.headers["retry-after"] == str(retry_after)
    assert attempt(live_server, "WANG ", "guess").status_code == 429, "the name's spelling"
    assert attempt(live_server, "li").status_code == 200, "other users at the address go on"

    age_failures(live_server, LOCKOUT)
    assert attempt(live_server, "wang").status_code == 200, "the lock ends after the lockout"


def test_repeated_failures_from_one_address_lock_it(live_server: LiveServer) -> None:
    add_staff(live_server.database, "wang")
    address_limit = LIMIT * ADDRESS_LIMIT_FACTOR
    for n in range(address_limit):
        assert attempt(live_server, f"guess{n % 7}x{n}", "guess").status_code == 401
    locked = attempt(live_server, "wang")
    assert locked.status_code == 429
    assert "address" in locked.json()["error"]["message"]
    age_failures(live_server, LOCKOUT)
    assert attempt(live_server, "wang").status_code == 200


def age_failures(server: LiveServer, by: timedelta) -> None:
    """Moves every recorded failure into the past, as if the lockout had been waited out."""
    with server.database.write() as session:
        for row in session.query(LoginFailureRow):
            row.at = row.at - by
