"""``session.json``: the last login, kept so the app opens offline, and this device's id.

Kept apart from the visits so logging in or out never rewrites visit data.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sync.models import Staff
from sync.storage import Partition
from sync.store_types import DeviceSession


class SessionFile:
    def __init__(self, part: Partition) -> None:
        self._part = part

    def save(self, session: DeviceSession) -> None:
        row = {
            "token": session.token,
            "expires_at": session.expires_at.isoformat(),
            "staff": session.staff.model_dump(mode="json"),
            "server_url": session.server_url,
            "extra": session.extra,
        }
        with self._part.change() as tables:
            tables.setdefault("session", {})["current"] = row

    def current(self) -> DeviceSession | None:
        row = self._part.get("session", "current")
        if row is None:
            return None
        return DeviceSession(
            token=row["token"],
            expires_at=datetime.fromisoformat(row["expires_at"]),
            staff=Staff.model_validate(row["staff"]),
            server_url=row["server_url"],
            extra=dict(row.get("extra") or {}),
        )

    def clear(self) -> None:
        if self._part.has("session", "current"):
            with self._part.change() as tables:
                tables["session"].pop("current", None)

    def device_id(self) -> str:
        row = self._part.get("device", "this")
        if row is not None:
            return str(row["id"])
        new_id = uuid.uuid4().hex
        with self._part.change() as tables:
            tables.setdefault("device", {})["this"] = {"id": new_id}
        return new_id

    def close(self) -> None:
        self._part.close()
