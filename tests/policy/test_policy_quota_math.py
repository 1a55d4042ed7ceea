"""Which visits count for a quota, and the pace that separates on_track from behind."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sync.models import Method, Outcome, Role, VisitKind
from sync.periods import month_period
from sync.policy import PeriodKind, QuotaRule
from sync.quota_math import CountedVisit, QuotaStatus, count_done, progress_status, visit_counts

SHANGHAI = ZoneInfo("Asia/Shanghai")
ON_SITE_RULE = QuotaRule(
    id="R8",
    role=Role.CENTER_MANAGER,
    period=PeriodKind.MONTH,
    target=2,
    methods=frozenset({Method.ON_SITE}),
)


def visit(
    method: Method = Method.ON_SITE,
    returned: bool = False,
    when: datetime | None = None,
    role: Role = Role.CENTER_MANAGER,
    kind: VisitKind = VisitKind.RELATIONSHIP,
) -> CountedVisit:
    return CountedVisit(
        id="v",
        staff_id="cm1",
        staff_role=role,
        kind=kind,
        method=method,
        outcome=Outcome.SATISFIED,
        started_at=when or datetime(2026, 11, 10, 10, tzinfo=SHANGHAI),
        returned=returned,
    )


def test_on_site_visit_counts_for_an_on_site_rule() -> None:
    assert visit_counts(ON_SITE_RULE, visit())


def test_phone_visit_does_not_count_for_an_on_site_rule() -> None:
    assert not visit_counts(ON_SITE_RULE, visit(method=Method.PHONE))


def test_returned_visit_does_not_count() -> None:
    assert not visit_counts(ON_SITE_RULE, visit(returned=True))


def test_another_roles_visit_does_not_count() -> None:
    assert not visit_counts(ON_SITE_RULE, visit(role=Role.PROPERTY_ASSISTANT))


def test_kind_filter_excludes_other_kinds() -> None:
    rule = ON_SITE_RULE.model_copy(update={"kinds": frozenset({VisitKind.REPAIR_FOLLOWUP})})
    assert not visit_counts(rule, visit())
    assert visit_counts(rule, visit(kind=VisitKind.REPAIR_FOLLOWUP))


def test_outcome_filter_excludes_unreached_owners() -> None:
    rule = ON_SITE_RULE.model_copy(update={"outcomes": frozenset({Outcome.SATISFIED})})
    unreachable = CountedVisit(**{**visit().__dict__, "outcome": Outcome.UNREACHABLE})
    assert visit_counts(rule, visit()) and not visit_counts(rule, unreachable)


def test_count_cuts_the_month_in_local_time() -> None:
    visits = [
        visit(when=datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)),
        visit(when=datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI)),
    ]
    assert count_done(ON_SITE_RULE, visits, "cm1", month_period(2026, 11), SHANGHAI) == 1
    assert count_done(ON_SITE_RULE, visits, "cm1", month_period(2026, 12), SHANGHAI) == 1


def test_target_reached_is_met() -> None:
    assert progress_status(2, 2, 0.1) is QuotaStatus.MET


def test_one_of_two_visits_is_on_track_mid_month() -> None:
    assert progress_status(1, 2, 0.5) is QuotaStatus.ON_TRACK


def test_one_of_two_visits_is_behind_late_in_the_month() -> None:
    assert progress_status(1, 2, 27 / 30) is QuotaStatus.BEHIND


def test_nothing_done_on_the_first_day_is_on_track() -> None:
    assert progress_status(0, 2, 0.0) is QuotaStatus.ON_TRACK


def test_a_closed_period_short_of_target_is_behind() -> None:
    assert progress_status(1, 2, 1.0) is QuotaStatus.BEHIND
