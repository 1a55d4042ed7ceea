"""Periods are cut in the company's local time (Asia/Shanghai), never in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sync.periods import (
    FORTNIGHT_ANCHOR,
    elapsed_fraction,
    month_period,
    parse_period,
    period_of,
    reference_period,
    utc_bounds,
)
from sync.policy import PeriodKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_visit_at_2330_local_on_the_last_day_counts_for_that_month() -> None:
    visit = local(2026, 11, 30, 23, 30)
    assert visit.astimezone(UTC).day == 30
    assert period_of(PeriodKind.MONTH, visit, SHANGHAI).key == "2026-11"


def test_visit_at_0030_local_on_the_first_counts_for_the_next_month() -> None:
    visit = local(2026, 12, 1, 0, 30)
    assert visit.astimezone(UTC).month == 11  # UTC would put it in November
    assert period_of(PeriodKind.MONTH, visit, SHANGHAI).key == "2026-12"


def test_month_bounds_in_utc_start_at_local_midnight() -> None:
    start, end = utc_bounds(month_period(2026, 11), SHANGHAI)
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_december_period_ends_on_new_year() -> None:
    assert month_period(2026, 12).end == date(2027, 1, 1)


def test_week_starts_on_monday_local_time() -> None:
    sunday_night = local(2026, 11, 22, 23, 59)
    monday_early = local(2026, 11, 23, 0, 10)  # still Sunday in UTC
    assert monday_early.astimezone(UTC).weekday() == 6
    assert period_of(PeriodKind.WEEK, sunday_night, SHANGHAI).start == date(2026, 11, 16)
    assert period_of(PeriodKind.WEEK, monday_early, SHANGHAI).start == date(2026, 11, 23)
    assert period_of(PeriodKind.WEEK, monday_early, SHANGHAI).key == "2026-W48"


def test_fortnights_are_pairs_of_weeks_from_the_anchor_monday() -> None:
    first = period_of(PeriodKind.FORTNIGHT, local(2024, 1, 14, 12), SHANGHAI)
    second = period_of(PeriodKind.FORTNIGHT, local(2024, 1, 15, 12), SHANGHAI)
    assert (first.start, first.end) == (FORTNIGHT_ANCHOR, date(2024, 1, 15))
    assert second.start == date(2024, 1, 15)
    later = period_of(PeriodKind.FORTNIGHT, local(2026, 11, 22, 12), SHANGHAI)
    assert later.start.weekday() == 0 and (later.start - FORTNIGHT_ANCHOR).days % 14 == 0
    assert later.start <= date(2026, 11, 22) < later.end


@pytest.mark.parametrize("text", ["2026-11", "2026-W48", "2026-11-16/2w"])
def test_period_keys_round_trip(text: str) -> None:
    assert parse_period(text).key == text


@pytest.mark.parametrize("text", ["2026-13", "November", "2026-11-23/2w"])
def test_bad_period_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_elapsed_fraction_counts_whole_local_days() -> None:
    november = month_period(2026, 11)
    assert elapsed_fraction(november, local(2026, 11, 1, 9), SHANGHAI) == 0
    assert elapsed_fraction(november, local(2026, 11, 16, 9), SHANGHAI) == 0.5
    assert elapsed_fraction(november, local(2026, 12, 3, 9), SHANGHAI) == 1
    assert elapsed_fraction(november, local(2026, 10, 3, 9), SHANGHAI) == 0


def test_closed_month_reports_its_last_week() -> None:
    week = reference_period(PeriodKind.WEEK, month_period(2026, 10), local(2026, 11, 20), SHANGHAI)
    assert week.start <= date(2026, 10, 31) < week.end
