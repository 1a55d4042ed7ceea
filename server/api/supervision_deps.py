"""The ``period`` query parameter of the supervision routers (quotas, coverage, visits,
reports), parsed once with a clear 422."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query

from server.api.deps import PolicyDep
from server.errors import ApiError
from sync.periods import Period, parse_period, period_of
from sync.policy import PeriodKind, Policy
from sync.protocol import ErrorCode


def parse_period_param(text: str | None, policy: Policy) -> Period:
    """``YYYY-MM`` (also ``YYYY-Www``, ``YYYY-MM-DD/2w``); the running local month when absent."""
    if text is None:
        return period_of(PeriodKind.MONTH, datetime.now(UTC), policy.zone)
    try:
        return parse_period(text)
    except ValueError as exc:
        raise ApiError(422, ErrorCode.INVALID, str(exc), field="period") from None


def month_param(
    policy: PolicyDep, period: Annotated[str | None, Query(max_length=20)] = None
) -> Period:
    return parse_period_param(period, policy)


PeriodParam = Annotated[Period, Depends(month_param)]
