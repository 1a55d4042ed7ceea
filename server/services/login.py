"""Logging in and out, with throttling of repeated failures.

Failures are counted per user name and per client address over a sliding window of
``settings.login_lockout``. A user name is locked after ``login_failure_limit`` failures; an
address only after ``ADDRESS_LIMIT_FACTOR`` times as many, because a property office puts all
its phones behind one NAT address and one assistant's typos must not lock out the whole office.
While locked, attempts are answered 429 without checking the password (so guessing stops), and
are not counted, so the lock ends ``login_lockout`` after the failures that caused it.
A successful login clears the user name's failures; the address's stay, so one valid account
cannot be used to reset the count while guessing others.

The password is verified outside any transaction: argon2 takes tens of milliseconds, and the
SQLite write lock must not be held that long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.db.models import LoginFailureRow, StaffRow, TokenRow, utc_now
from server.db.session import Database
from server.errors import ApiError
from server.services.auth import issue_token, password_matches, token_digest
from server.settings import Settings
from sync.protocol import ErrorCode

ADDRESS_LIMIT_FACTOR = 4


@dataclass(frozen=True)
class LoginAttempt:
    username: str
    password: str
    device_id: str
    address: str


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    staff: StaffRow


def user_key(username: str) -> str:
    return f"user:{username.strip().casefold()}"


def address_key(address: str) -> str:
    return f"addr:{address}"


def log_in(database: Database, settings: Settings, attempt: LoginAttempt) -> IssuedToken:
    """A token for good credentials; 429 while throttled; 401 bad_credentials otherwise."""
    now = utc_now()
    with database.read() as session:
        check_not_throttled(session, settings, attempt, now)
        staff = session.scalar(
            select(StaffRow).where(StaffRow.username == attempt.username, StaffRow.active)
        )
    if staff is None or not password_matches(staff.password_hash, attempt.password):
        with database.write() as session:
            record_failure(session, settings, attempt, now)
        raise ApiError(401, ErrorCode.BAD_CREDENTIALS, "wrong user name or password")
    with database.write() as session:
        clear_failures(session, user_key(attempt.username))
        token, expires_at = issue_token(
            session, staff.id, attempt.device_id, settings.token_lifetime
        )
    return IssuedToken(token, expires_at, staff)


def check_not_throttled(
    session: Session, settings: Settings, attempt: LoginAttempt, now: datetime
) -> None:
    limits = {
        user_key(attempt.username): settings.login_failure_limit,
        address_key(attempt.address): settings.login_failure_limit * ADDRESS_LIMIT_FACTOR,
    }
    for key, limit in limits.items():
        wait = lockout_remaining(session, key, limit, settings.login_lockout, now)
        if wait is not None:
            seconds = max(1, math.ceil(wait.total_seconds()))
            what = "user name" if key.startswith("user:") else "address"
            raise ApiError(
                429,
                ErrorCode.TOO_MANY_ATTEMPTS,
                f"too many failed logins for this {what}; try again in {seconds} s",
                retry_after=seconds,
            )


def lockout_remaining(
    session: Session, key: str, limit: int, window: timedelta, now: datetime
) -> timedelta | None:
    """How long ``key`` stays locked, or None: locked while ``limit`` failures fall in the window,
    until the oldest of the most recent ``limit`` failures leaves it."""
    recent = session.scalars(
        select(LoginFailureRow.at)
        .where(LoginFailureRow.key == key, LoginFailureRow.at > now - window)
        .order_by(LoginFailureRow.at.desc())
        .limit(limit)
    ).all()
    if limit <= 0 or len(recent) < limit:
        return None
    return recent[-1] + window - now


def record_failure(
    session: Session, settings: Settings, attempt: LoginAttempt, now: datetime
) -> None:
    """Counts the failure for the name and the address, and forgets failures older than the
    window so the table stays small."""
    session.execute(
        delete(LoginFailureRow).where(LoginFailureRow.at <= now - settings.login_lockout)
    )
    session.add(LoginFailureRow(key=user_key(attempt.username), at=now))
    session.add(LoginFailureRow(key=address_key(attempt.address), at=now))


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))


def log_out(database: Database, token: str) -> None:
    """Revokes the token; the dependency in deps.py refuses it from now on."""
    with database.write() as session:
        row = session.scalar(select(TokenRow).where(TokenRow.token_hash == token_digest(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utc_now()
