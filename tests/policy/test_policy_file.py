"""The policy TOML: defaults from DOMAIN.md, clear errors for bad files (`huifang policy check`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import main
from sync.models import Method, Role, SourceType
from sync.policy import PolicyError, load_policy, parse_policy


def test_default_policy_carries_the_domain_rates() -> None:
    policy = load_policy(None)
    rates = {(r.source, r.window_days, r.role): r.target_rate for r in policy.coverage}
    assert rates[(SourceType.COMPLAINT, 3, None)] == 0.5
    assert rates[(SourceType.REPAIR, 30, Role.PROPERTY_ASSISTANT)] == 0.3
    assert rates[(SourceType.EVENT, 30, Role.CULTURE_CLERK)] == 0.1
    assert rates[(SourceType.REPAIR, 7, Role.MAINTENANCE_SUPERVISOR)] == 0.3
    assert policy.timezone == "Asia/Shanghai"


def test_default_centre_manager_needs_two_on_site_visits_a_month() -> None:
    (rule,) = load_policy(None).quota_rules_for(Role.CENTER_MANAGER)
    assert (rule.target, rule.period, rule.methods) == (2, "month", frozenset({Method.ON_SITE}))


def test_every_staff_role_has_a_monthly_or_weekly_task() -> None:
    roles = {rule.role for rule in load_policy(None).quota}
    assert roles == set(Role) - {Role.ADMIN}


def test_bad_value_names_the_rule_and_field() -> None:
    text = '[[quota]]\nid = "R8"\nrole = "center_manager"\nperiod = "month"\ntarget = 0\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "company.toml")
    assert caught.value.problems[0].startswith("company.toml: quota rule 'R8' field 'target'")


def test_misspelt_key_is_refused() -> None:
    text = '[[coverage]]\nid = "R3"\nsource = "complaint"\nwindow_days = 3\ntarget_rat = 0.5\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert any("'target_rat'" in p for p in caught.value.problems)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(PolicyError, match="unknown time zone"):
        parse_policy('timezone = "Mars/Olympus"\n')


def test_repeated_rule_id_is_refused() -> None:
    rule = '[[quota]]\nid = "same"\nrole = "interviewer"\nperiod = "week"\ntarget = 1\n'
    with pytest.raises(PolicyError, match="repeated: same"):
        parse_policy(rule + rule)


def test_policy_check_reports_broken_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("timezone = \n", encoding="utf-8")
    assert main(["policy", "check", str(broken)]) == 1
    assert f"{broken}: not valid TOML" in capsys.readouterr().err


def test_policy_check_accepts_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check"]) == 0
    assert "R8-center-manager-on-site" in capsys.readouterr().out
