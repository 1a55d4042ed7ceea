"""This month's visits for the demo company, so a supervisor opening the demo sees a real board:
some people ahead, some behind, visits waiting for review with their photo and signature.

The visits go in the way a phone sends them: photos normalised by ``sync.media``, signatures
rendered and bound to the record, blobs uploaded through the server's checks, then pushed, so
follow-on work (revisits for unsatisfied owners, assignments closed) happens as in production.
"""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from server.blobs import BlobStore
from server.db.models import HouseholdRow, StaffRow, TeamRow
from server.db.session import Database
from server.services.blobs import store_upload
from server.services.sync_push import Pusher, push_visits
from sync.canonical import visit_wire
from sync.media import normalise_photo, sign_visit
from sync.models import Visit
from sync.periods import local_midnight_utc
from sync.policy import Policy
from sync.protocol import OpStatus, PushOp

# Who has done how much this month (on-site, by phone): one of each board status.
DEMO_MONTH = {"wangfang": (13, 3), "liuyang": (2, 1), "liqiang": (2, 0), "chenjing": (3, 0)}
CHECKLIST = ("门窗", "水电", "墙面天花", "公共区域")
COMMENTS = ("物业服务不错", "希望加强楼道保洁", "维修很及时", "停车位紧张")


def seed_demo_visits(database: Database, blob_dir: Path, policy: Policy, now: datetime) -> int:
    """Push the demo month's visits; returns how many the server applied."""
    rng = random.Random(11)
    store = BlobStore(blob_dir)
    store.prepare()
    month_start = local_midnight_utc(now.astimezone(policy.zone).date().replace(day=1), policy.zone)
    applied = 0
    for username, (on_site, by_phone) in DEMO_MONTH.items():
        staff, households = _staff_and_households(database, username)
        records = [
            _visit(rng, staff, households, (month_start, now, policy), on_site=n < on_site)
            for n in range(on_site + by_phone)
        ]
        for record in records:
            for sha, data in record.blobs.items():
                store_upload(database, store, staff.id, sha, data)
        ops = [PushOp(op_id=str(r.visit.id), record=visit_wire(r.visit)) for r in records]
        response = push_visits(database, Pusher(staff, "demo-seed", policy), ops)
        applied += sum(result.status is OpStatus.APPLIED for result in response.results)
    return applied


def _staff_and_households(database: Database, username: str) -> tuple[StaffRow, list[str]]:
    """The demo person and households they may visit: their team's, or their centre's."""
    with database.read() as session:
        staff = session.scalars(select(StaffRow).where(StaffRow.username == username)).one()
        query = select(HouseholdRow.id).where(HouseholdRow.do_not_visit.is_(False))
        if staff.team_id:
            query = query.where(HouseholdRow.team_id == staff.team_id)
        else:
            teams = select(TeamRow.id).where(TeamRow.center_id == staff.center_id)
            query = query.where(HouseholdRow.team_id.in_(teams))
        households = list(session.scalars(query.order_by(HouseholdRow.id)))
    return staff, households


@dataclass(frozen=True)
class DemoVisit:
    visit: Visit
    blobs: dict[str, bytes]


def _visit(
    rng: random.Random,
    staff: StaffRow,
    households: list[str],
    month: tuple[datetime, datetime, Policy],
    on_site: bool,
) -> DemoVisit:
    started = _moment_this_month(rng, *month)
    satisfied = rng.random() > 0.15
    record: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "staff_id": staff.id,
        "household_id": rng.choice(households),
        "kind": "relationship",
        "method": "on_site" if on_site else "phone",
        "started_at": started,
        "ended_at": started + timedelta(minutes=15),
        "needs": rng.choice(COMMENTS),
        "satisfaction": 5 if satisfied else 2,
        "outcome": "satisfied" if satisfied else "unsatisfied",
        "created_at": started,
        "updated_at": started + timedelta(minutes=15),
    }
    if not satisfied:
        record["revisit"] = {"needed": True, "due": (started + timedelta(days=7)).date()}
    if not on_site:
        return DemoVisit(Visit.model_validate(record), {})
    return _on_site(rng, record)


def _on_site(rng: random.Random, record: dict[str, Any]) -> DemoVisit:
    photo = normalise_photo(_scene_jpeg(rng), now=record["ended_at"])
    record["inspection"] = [{"item": item, "result": "ok", "note": ""} for item in CHECKLIST]
    record["photos"] = [photo.photo.model_dump(mode="json", exclude_none=True)]
    signed = sign_visit(record, _scribble(rng), record["ended_at"])
    assert signed.visit.signature is not None
    blobs = {photo.photo.sha256: photo.jpeg, signed.visit.signature.png_sha256: signed.png}
    return DemoVisit(signed.visit, blobs)


def _moment_this_month(
    rng: random.Random, month_start: datetime, now: datetime, policy: Policy
) -> datetime:
    """A working-hours time (R15) on a day of this month so far, never later than an hour ago,
    with the company's UTC offset as a phone there records it."""
    latest = max(month_start, now - timedelta(hours=1)).astimezone(policy.zone)
    first = month_start.astimezone(policy.zone)
    day = first + timedelta(days=rng.randint(0, (latest.date() - first.date()).days))
    moment = day.replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59))
    return max(first, min(moment, latest))


def _scene_jpeg(rng: random.Random) -> bytes:
    """A stand-in for a stairwell photo: a wall colour, a door and a window."""
    image = Image.new("RGB", (1200, 900), (rng.randint(170, 230), rng.randint(170, 220), 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((420, 200, 780, 900), fill=(120, 80, 50))
    draw.rectangle((880, 150, 1120, 400), fill=(160, 200, 240), outline=(60, 60, 60), width=8)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _scribble(rng: random.Random) -> list[list[list[float]]]:
    """Two strokes of a handwritten-looking name on a 400x200 pad."""
    strokes = []
    for offset in (40, 200):
        points = [
            [offset + step * 12.0, 100 + rng.uniform(-35, 35), step * 25.0] for step in range(12)
        ]
        strokes.append(points)
    return strokes
