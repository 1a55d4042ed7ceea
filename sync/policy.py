"""Company visit policy as data: quota rules, coverage rules, the company time zone.

Rates, windows and targets differ between companies (DOMAIN.md R3: 50 % here, 100 % elsewhere), so
none of them live in code. The server loads a TOML file (``sync/policy_default.toml`` carries
DOMAIN.md's defaults); ``huifang policy check FILE`` reports every problem with the file, the rule
id and the field, so an administrator can fix a policy before the server refuses to start on it.

The arithmetic that applies a policy lives beside this module: ``sync.periods`` (cutting periods in
local time), ``sync.quota_math`` (which visits count, pace), ``sync.coverage_math`` (exemptions,
routing, rates) and ``sync.planning`` (assignments, the relationship sample).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sync.models import ComplaintLevel, Method, Outcome, Role, SourceType, VisitKind

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "policy_default.toml"
RuleId = str


class PeriodKind(StrEnum):
    WEEK = "week"
    FORTNIGHT = "fortnight"
    MONTH = "month"


class PolicyModel(BaseModel):
    """Unknown keys are refused: a misspelt ``traget`` must not silently mean "no target"."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class QuotaRule(PolicyModel):
    """A count of visits a role must make per period (R7, R8, R9). Empty filters mean "any"."""

    id: RuleId = Field(min_length=1, max_length=64)
    role: Role
    period: PeriodKind
    target: int = Field(ge=1, le=10_000)
    kinds: frozenset[VisitKind] = frozenset()
    methods: frozenset[Method] = frozenset()
    outcomes: frozenset[Outcome] = frozenset()
    title: str = ""


class CoverageRule(PolicyModel):
    """A share of sources that must be followed up within a window after they closed (R3-R7).

    ``role`` is who must make the follow-up; left out for complaints, the complaint's level
    routes it (R4: general -> property assistant, important -> CS supervisor, major -> company
    manager).
    """

    id: RuleId = Field(min_length=1, max_length=64)
    source: SourceType
    levels: frozenset[ComplaintLevel] = frozenset()
    window_days: int = Field(ge=1, le=366)
    target_rate: float = Field(gt=0, le=1)
    role: Role | None = None
    title: str = ""

    @model_validator(mode="after")
    def _check_scope(self) -> Self:
        if self.levels and self.source is not SourceType.COMPLAINT:
            raise ValueError("levels apply to complaint sources only")
        if self.role is None and self.source is not SourceType.COMPLAINT:
            raise ValueError("a repair or event rule needs the role that follows it up")
        return self


class Policy(PolicyModel):
    """The whole policy. ``timezone`` cuts every period (a 23:30 visit on 30 Nov is November's)."""

    timezone: str = DEFAULT_TIMEZONE
    revisit_days: int = Field(default=3, ge=1, le=60)
    rectification_days: int = Field(default=2, ge=1, le=60)
    relationship_share: float = Field(default=0.1, ge=0, le=1)
    quota: tuple[QuotaRule, ...] = ()
    coverage: tuple[CoverageRule, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [rule.id for rule in self.quota] + [rule.id for rule in self.coverage]
        doubled = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if doubled:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(doubled)}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def quota_rules_for(self, role: Role) -> list[QuotaRule]:
        return [rule for rule in self.quota if rule.role is role]


class PolicyError(Exception):
    """A policy file that cannot be used; ``problems`` holds one readable line per fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def load_policy(path: Path | str | None = None) -> Policy:
    """Read and validate a policy TOML file; ``None`` means the shipped DOMAIN.md defaults."""
    source = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError([f"{source}: cannot read: {exc.strerror or exc}"]) from exc
    return parse_policy(text, str(source))


def parse_policy(text: str, origin: str = "<policy>") -> Policy:
    """Validate policy TOML text, naming ``origin``, the rule id and the field in every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{origin}: not valid TOML: {exc}"]) from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(describe_errors(exc, data, origin)) from exc


def describe_errors(exc: ValidationError, data: Mapping[str, Any], origin: str) -> list[str]:
    """Turn pydantic's ``quota, 3, target`` into ``quota rule 'R8-...' field 'target'``."""
    return [_describe_one(error, data, origin) for error in exc.errors()]


def _describe_one(error: Any, data: Mapping[str, Any], origin: str) -> str:
    loc = list(error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    if len(loc) >= 2 and loc[0] in ("quota", "coverage") and isinstance(loc[1], int):
        rule_id = _rule_id_at(data, str(loc[0]), loc[1])
        where = f"{loc[0]} rule {rule_id}"
        field = ".".join(str(part) for part in loc[2:])
        return f"{origin}: {where}" + (f" field '{field}'" if field else "") + f": {message}"
    if loc:
        return f"{origin}: field '{'.'.join(str(part) for part in loc)}': {message}"
    return f"{origin}: {message}"


def _rule_id_at(data: Mapping[str, Any], section: str, index: int) -> str:
    rules = data.get(section)
    if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
        rule_id = rules[index].get("id")
        if isinstance(rule_id, str) and rule_id:
            return repr(rule_id)
    return f"#{index + 1}"
