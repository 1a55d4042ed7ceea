"""Passwords (argon2) and opaque bearer tokens stored as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import StaffRow, TokenRow, utc_now

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("timing equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Verifies against a dummy hash for unknown users, so timing does not reveal user names."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, staff_id: str, device_id: str, lifetime: timedelta
) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utc_now() + lifetime
    row = TokenRow(
        token_hash=token_digest(token),
        staff_id=staff_id,
        device_id=device_id,
        expires_at=expires_at,
    )
    session.add(row)
    return token, expires_at


def staff_for_token(session: Session, token: str) -> StaffRow | None:
    """The active staff member a live, unrevoked token belongs to, else None."""
    now = utc_now()
    query = (
        select(StaffRow)
        .join(TokenRow, TokenRow.staff_id == StaffRow.id)
        .where(TokenRow.token_hash == token_digest(token))
        .where(TokenRow.revoked_at.is_(None), TokenRow.expires_at > now, StaffRow.active)
    )
    return session.scalars(query).first()
