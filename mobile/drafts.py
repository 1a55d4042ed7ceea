"""A visit while it is being recorded: a plain dict the store keeps, checked before completing.

The draft holds the same keys as ``sync.models.Visit`` so completing it is one validation; the
problems are returned as catalog keys, so the form can say in the user's language what is
missing instead of showing a pydantic message (R1, R10, R13, R15).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sync.models import REACHED_OUTCOMES, Household, Method, Outcome

Draft = dict[str, Any]
COMPANY_TZ = ZoneInfo("Asia/Shanghai")
CALLING_START, CALLING_END = time(7, 0), time(22, 0)
MEAL_TIMES = ((time(11, 30), time(13, 30)), (time(17, 30), time(19, 0)))
INSPECTION_ITEMS = ("doors_windows", "water_power", "walls_ceiling", "common_area")


def new_draft(
    staff_id: str, household_id: str, kind: str, method: str, now: datetime, **links: Any
) -> Draft:
    """A fresh draft with a phone-made UUID; ``links`` may carry source_id / previous_id."""
    stamp = now.isoformat()
    return {
        "id": str(uuid.uuid4()),
        "staff_id": staff_id,
        "household_id": household_id,
        "kind": kind,
        "method": method,
        "source_id": links.get("source_id"),
        "previous_id": links.get("previous_id"),
        "started_at": stamp,
        "inspection": [{"item": item, "result": "ok", "note": ""} for item in INSPECTION_ITEMS],
        "needs": "",
        "measures": "",
        "measures_done": False,
        "owner_comment": "",
        "satisfaction": None,
        "outcome": None,
        "revisit": {"needed": False, "due": None},
        "photos": [],
        "strokes": [],
        "created_at": stamp,
        "updated_at": stamp,
    }


def completion_problems(draft: Draft) -> list[str]:
    """Catalog keys of what stops this draft from being completed; empty means it may be."""
    problems: list[str] = []
    outcome = draft.get("outcome")
    reached = outcome in {o.value for o in REACHED_OUTCOMES}
    if outcome is None:
        problems.append("visit.error.outcome_missing")
    if reached and draft.get("satisfaction") is None:
        problems.append("visit.error.satisfaction_missing")
    if draft["method"] == Method.ON_SITE.value and reached and not draft.get("strokes"):
        problems.append("visit.error.signature_missing")
    revisit = draft.get("revisit") or {}
    if outcome == Outcome.UNSATISFIED.value and not revisit.get("due"):
        problems.append("visit.error.revisit_date_missing")
    return problems


def household_warnings(household: Household | None) -> list[str]:
    """R13: a household that refuses visits is flagged loudly, before and during a visit."""
    if household is not None and household.do_not_visit:
        return ["household.do_not_visit"]
    return []


def outside_calling_hours(moment: datetime) -> bool:
    """R15: calls not before 07:00, not after 22:00, not at meal times (company time zone)."""
    local = moment.astimezone(COMPANY_TZ).time()
    if local < CALLING_START or local >= CALLING_END:
        return True
    return any(start <= local < end for start, end in MEAL_TIMES)


def visit_fields(draft: Draft, ended_at: datetime) -> dict[str, Any]:
    """The draft as Visit fields (no signature); unreached outcomes drop the satisfaction."""
    data = {k: v for k, v in draft.items() if k not in {"strokes", "status", "signature"}}
    data["ended_at"] = ended_at.isoformat()
    data["updated_at"] = ended_at.isoformat()
    if data.get("outcome") not in {o.value for o in REACHED_OUTCOMES}:
        data["satisfaction"] = None
    if data.get("outcome") == Outcome.UNSATISFIED.value:
        data["revisit"] = {"needed": True, "due": (data.get("revisit") or {}).get("due")}
    if data["method"] == Method.PHONE.value:
        data["photos"] = []
        data["inspection"] = []  # nothing was looked at on a call
    return data


def parse_due(text: str) -> str | None:
    """A revisit date typed as YYYY-MM-DD, or None when it is not a date."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None
