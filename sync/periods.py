"""Cutting quota periods in the company's local time and turning them into UTC bounds.

A period is a half-open range of local dates ``[start, end)``. Periods are cut in local time and
only then converted, so a visit at 23:30 on 30 November in Shanghai (15:30 UTC) is November's and
one at 00:30 on 1 December (16:30 UTC on 30 November) is December's (DESIGN.md "Quotas").

- ``week``: Monday to Sunday (ISO weeks); key ``2026-W48``.
- ``fortnight``: two ISO weeks, counted from the anchor Monday ``FORTNIGHT_ANCHOR``
  (2024-01-01, the Monday that starts ISO week 1 of 2024); every fortnight starts on a Monday an
  even number of weeks after it, whatever the year. Key: its first day, ``2026-11-16/2w``.
- ``month``: the calendar month; key ``2026-11``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sync.policy import PeriodKind

FORTNIGHT_ANCHOR = date(2024, 1, 1)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_FORTNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})/2w$")


@dataclass(frozen=True)
class Period:
    """Local dates ``[start, end)`` of one week, fortnight or month."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return f"{self.start.isoformat()}/2w"

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return Period(PeriodKind.MONTH, start, end)


def week_period(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(PeriodKind.WEEK, monday, monday + timedelta(days=7))


def fortnight_period(day: date) -> Period:
    """The fortnight holding ``day``: anchored on FORTNIGHT_ANCHOR, also for days before it."""
    index = (day - FORTNIGHT_ANCHOR).days // 14
    start = FORTNIGHT_ANCHOR + timedelta(days=14 * index)
    return Period(PeriodKind.FORTNIGHT, start, start + timedelta(days=14))


def period_containing(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.MONTH:
        return month_period(day.year, day.month)
    if kind is PeriodKind.WEEK:
        return week_period(day)
    return fortnight_period(day)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The company-local calendar day of an aware moment."""
    return moment.astimezone(zone).date()


def period_of(kind: PeriodKind, moment: datetime, zone: ZoneInfo) -> Period:
    """The period a visit at ``moment`` counts for, cut in local time."""
    return period_containing(kind, local_date(moment, zone))


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def utc_bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` of a period, for a SQL range on ``started_at``."""
    return local_midnight_utc(period.start, zone), local_midnight_utc(period.end, zone)


def parse_period(text: str) -> Period:
    """``2026-11`` (month), ``2026-W48`` (ISO week) or ``2026-11-16/2w`` (fortnight start)."""
    text = text.strip()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month} in {text!r}")
        return month_period(year, month)
    if match := _WEEK.match(text):
        return week_period(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    if match := _FORTNIGHT.match(text):
        period = fortnight_period(date.fromisoformat(match[1]))
        if period.start.isoformat() != match[1]:
            raise ValueError(f"{match[1]} does not start a fortnight; {period.key} does")
        return period
    raise ValueError(f"period {text!r} is not YYYY-MM, YYYY-Www or YYYY-MM-DD/2w")


def elapsed_fraction(period: Period, now: datetime, zone: ZoneInfo) -> float:
    """Share of the period's days already gone, in whole local days.

    Whole days so the first day of a month asks nothing yet, and a past period counts as done (1.0).
    """
    today = local_date(now, zone)
    gone = (min(max(today, period.start), period.end) - period.start).days
    return gone / period.days


def reference_period(kind: PeriodKind, shown: Period, now: datetime, zone: ZoneInfo) -> Period:
    """The week or fortnight a board for ``shown`` reports: the one holding ``now`` while ``shown``
    is running, else the one holding its last day (a closed month shows its last week)."""
    today = local_date(now, zone)
    day = today if shown.start <= today < shown.end else shown.end - timedelta(days=1)
    if today < shown.start:
        day = shown.start
    return period_containing(kind, day)
