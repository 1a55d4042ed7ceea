"""Factories for the domain: a company with teams and staff, households, and visits that pass
the contract's rules, with real image bytes for their photos and signature."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image, ImageDraw

from server.db.models import CenterRow, HouseholdRow, StaffRow, TeamRow
from server.db.session import Database
from server.services.auth import hash_password
from sync.canonical import content_hash
from sync.models import Method, Outcome, Photo, Signature, Visit, VisitContent, VisitKind

PASSWORD = "correct horse 马"


def add_center(database: Database, center_id: str = "c1", name: str = "阳光服务中心") -> None:
    with database.write() as session:
        if session.get(CenterRow, center_id) is None:
            session.add(CenterRow(id=center_id, name=name))


def add_team(database: Database, team_id: str = "t1", center_id: str = "c1") -> None:
    add_center(database, center_id)
    with database.write() as session:
        if session.get(TeamRow, team_id) is None:
            session.add(TeamRow(id=team_id, name=f"{team_id} 责任区", center_id=center_id))


def add_staff(
    database: Database,
    username: str,
    role: str = "property_assistant",
    team_id: str | None = "t1",
    center_id: str | None = "c1",
    supervisor_id: str | None = None,
    password: str = PASSWORD,
) -> str:
    """Adds one staff member (creating team and centre as needed); returns the staff id."""
    if team_id:
        add_team(database, team_id, center_id or "c1")
    staff_id = f"s-{username}"
    with database.write() as session:
        session.add(
            StaffRow(
                id=staff_id,
                username=username,
                name=f"员工{username}",
                role=role,
                team_id=team_id,
                center_id=center_id,
                supervisor_id=supervisor_id,
                password_hash=hash_password(password),
            )
        )
    return staff_id


def add_household(database: Database, household_id: str, team_id: str = "t1", **extra: Any) -> str:
    add_team(database, team_id)
    values: dict[str, Any] = {
        "building": "3栋",
        "unit": "2单元",
        "room": household_id[-4:],
        "owner_name": "王业主",
        "phone": "13800001234",
    }
    values.update(extra)
    with database.write() as session:
        session.add(HouseholdRow(id=household_id, team_id=team_id, **values))
    return household_id


def login(api: str, username: str, password: str = PASSWORD) -> str:
    body = {"username": username, "password": password, "device_id": "test-device"}
    response = httpx.post(f"{api}/auth/login", json=body)
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


def png_bytes(seed: int = 0, size: tuple[int, int] = (120, 60)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line((5, 5 + seed % 40, size[0] - 5, size[1] - 5), fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(seed: int = 0, size: tuple[int, int] = (160, 120)) -> bytes:
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, 120))
    ImageDraw.Draw(image).ellipse((10, 10, 60 + seed % 50, 60), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class MadeVisit:
    visit: Visit
    blobs: dict[str, bytes] = field(default_factory=dict)

    @property
    def record(self) -> dict[str, Any]:
        return self.visit.model_dump(mode="json", exclude_unset=True)


def make_visit(
    staff_id: str,
    household_id: str,
    method: Method = Method.ON_SITE,
    outcome: Outcome = Outcome.SATISFIED,
    started_at: datetime | None = None,
    photos: int = 1,
    seed: int = 0,
    **fields: Any,
) -> MadeVisit:
    """A completed visit that passes every contract rule, with its blobs' bytes."""
    started = started_at or datetime.now(UTC) - timedelta(hours=1)
    reached = outcome in (Outcome.SATISFIED, Outcome.UNSATISFIED)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "staff_id": staff_id,
        "household_id": household_id,
        "kind": VisitKind.REPAIR_FOLLOWUP,
        "method": method,
        "started_at": started,
        "ended_at": started + timedelta(minutes=12),
        "outcome": outcome,
        "created_at": started,
        "updated_at": started + timedelta(minutes=12),
    }
    if reached:
        values["satisfaction"] = 5 if outcome is Outcome.SATISFIED else 2
    if outcome is Outcome.UNSATISFIED:
        values["revisit"] = {"needed": True, "due": (started + timedelta(days=7)).date()}
    values.update(fields)
    blobs: dict[str, bytes] = {}
    if method is Method.ON_SITE:
        values["photos"] = [_photo(blobs, started, seed * 100 + n) for n in range(photos)]
    if method is Method.ON_SITE and reached:
        unsigned = VisitContent(**values)
        png = png_bytes(seed)
        blobs[sha256(png)] = png
        signature = Signature(
            strokes=[[(1.0, 2.0, 0), (40.0, 30.0, 120), (80.0, 10.0, 260)]],
            png_sha256=sha256(png),
            signed_at=values["ended_at"],
            content_hash=content_hash(unsigned),
        )
        return MadeVisit(Visit(**values, signature=signature), blobs)
    return MadeVisit(Visit(**values), blobs)


def _photo(blobs: dict[str, bytes], taken: datetime, seed: int) -> Photo:
    data = jpeg_bytes(seed)
    blobs[sha256(data)] = data
    return Photo(sha256=sha256(data), width=160, height=120, bytes=len(data), taken_at=taken)
