"""Logging in: online against the server, offline with the session saved by the last login.

An assistant logs in once with a network, then works for days without one (issue 5 item 1).
Offline, the password is checked against a salted PBKDF2 hash kept with the saved session, so a
found phone does not open for anyone; the saved session works until its token expires.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from sync.protocol import API_PREFIX, LoginResponse
from sync.store import VisitStore
from sync.store_types import DeviceSession

PBKDF2_ROUNDS = 120_000
LOGIN_TIMEOUT = 10.0


class LoginRefused(Exception):
    """Login failed; ``key`` is the catalog key of the reason shown to the user."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class LoginOutcome:
    session: DeviceSession
    offline: bool


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS)
    return f"{salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    salt_hex, _, _ = stored.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return bool(salt) and hmac.compare_digest(hash_password(password, salt), stored)


def login(store: VisitStore, server_url: str, username: str, password: str) -> LoginOutcome:
    """Online first; if the server cannot be reached, the saved session of the same user."""
    try:
        response = _post_login(store, server_url, username, password)
    except httpx.UnsupportedProtocol:
        raise LoginRefused("login.error.server_address") from None
    except httpx.TransportError:
        return LoginOutcome(_offline_session(store, username, password), offline=True)
    except (httpx.HTTPError, ValueError):
        raise LoginRefused("login.error.server_address") from None
    if response.status_code == 401:
        raise LoginRefused("login.error.bad_credentials")
    if response.status_code == 429:
        raise LoginRefused("login.error.too_many")
    if response.status_code != 200:
        raise LoginRefused("login.error.server")
    try:
        body = LoginResponse.model_validate(response.json())
    except ValueError:
        raise LoginRefused("login.error.server") from None
    session = DeviceSession(
        token=body.token,
        expires_at=body.expires_at,
        staff=body.staff,
        server_url=server_url,
        extra={"username": username, "password_hash": hash_password(password)},
    )
    store.save_session(session)
    return LoginOutcome(session, offline=False)


def _post_login(store: VisitStore, server_url: str, username: str, password: str) -> httpx.Response:
    payload = {"username": username, "password": password, "device_id": store.device_id()}
    url = server_url.rstrip("/") + API_PREFIX + "/auth/login"
    return httpx.post(url, json=payload, timeout=LOGIN_TIMEOUT)


def _offline_session(store: VisitStore, username: str, password: str) -> DeviceSession:
    saved = store.session()
    if saved is None or saved.extra.get("username") != username:
        raise LoginRefused("login.error.offline_no_session")
    if saved.expires_at <= datetime.now(UTC):
        raise LoginRefused("login.error.offline_expired")
    if not password_matches(password, str(saved.extra.get("password_hash", ""))):
        raise LoginRefused("login.error.bad_credentials")
    return saved


def usable_session(store: VisitStore) -> DeviceSession | None:
    """The saved session if it has not expired: the app opens straight to Today with it."""
    saved = store.session()
    if saved is None or saved.expires_at <= datetime.now(UTC):
        return None
    return saved
