"""How the app's lists read: Today's assignments and the household search.

Pure functions over the pulled records, kept apart from ``AppState`` so the rules of ordering
and matching can be read (and changed) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sync.models import Assignment, Household, Visit


@dataclass(frozen=True)
class TodayItem:
    assignment: Assignment
    household: Household | None
    overdue: bool


def today_items(
    assignments: list[Assignment],
    households: dict[str, Household | None],
    done_here: list[Visit],
    day: date,
) -> list[TodayItem]:
    """Open assignments, overdue first, then by due date; one a visit completed on this
    phone already fulfils (not yet synced, so the server has not closed it) is left out."""
    done = {fulfils(v) for v in done_here}
    items = [
        TodayItem(a, households.get(a.household_id), a.due < day)
        for a in assignments
        if a.status == "open" and asks_for(a) not in done
    ]
    return sorted(items, key=lambda i: (not i.overdue, i.assignment.due))


def search(households: list[Household], query: str) -> list[Household]:
    """Match building / unit / room (``3-2-1501`` or ``1501``) or the owner's name."""
    words = query.replace("-", " ").split()
    found = [h for h in households if matches(h, words)]
    return sorted(found, key=lambda h: [natural(h.building), natural(h.unit), natural(h.room)])


def fulfils(visit: Visit) -> tuple[str, str, str]:
    return (visit.household_id, visit.kind.value, visit.source_id or str(visit.previous_id or ""))


def asks_for(assignment: Assignment) -> tuple[str, str, str]:
    link = assignment.source_id or str(assignment.previous_id or "")
    return (assignment.household_id, assignment.kind.value, link)


def natural(text: str) -> tuple[int, str]:
    """Room 201 before room 1001: numbers compare as numbers, the rest as text."""
    digits = "".join(c for c in text if c.isdigit())
    return (int(digits) if digits else 0, text)


def matches(household: Household, words: list[str]) -> bool:
    fields = [household.building, household.unit, household.room, household.owner_name]
    return all(any(word in value for value in fields) for word in words)
