"""`huifang policy check FILE`: validate a policy before a server is started on it.
`huifang policy plan --period YYYY-MM`: make the month's follow-up and relationship assignments."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from server.commands.common import add_storage_options, settings_from
from server.commands.storage import opened_database
from server.services.assignments import assign_sources, generate_relationship_plan
from server.services.policies import policy_for
from sync.periods import parse_period
from sync.policy import Policy, PolicyError, load_policy


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "policy", help="work with the visit policy (quotas and coverage)"
    )
    actions = parser.add_subparsers(dest="policy_action", required=True)
    check = actions.add_parser("check", help="validate a policy TOML file and summarise it")
    check.add_argument("file", type=Path, nargs="?", default=None, help="default: shipped policy")
    check.set_defaults(func=run_check)
    plan = actions.add_parser(
        "plan", help="make the month's assignments: closed sources (R4) and the R16 sample"
    )
    add_storage_options(plan)
    plan.add_argument("--period", required=True, help="YYYY-MM, cut in the company time zone")
    plan.set_defaults(func=run_plan)


def run_check(args: argparse.Namespace) -> int:
    """Exit 0 with a summary for a good file; exit 1 with one line per problem otherwise."""
    try:
        policy = load_policy(args.file)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); policy not usable", file=sys.stderr)
        return 1
    print(summarise_policy(policy))
    return 0


def run_plan(args: argparse.Namespace) -> int:
    """Idempotent: assignments already made (same source, same month's sample) are kept."""
    try:
        period = parse_period(args.period)
        policy = policy_for(settings_from(args))
    except (ValueError, PolicyError) as exc:
        print(f"huifang policy plan: {exc}", file=sys.stderr)
        return 1
    with opened_database(args) as database, database.write() as session:
        sources = assign_sources(session, policy)
        sample = generate_relationship_plan(session, policy, period)
    made = f"{len(sources)} follow-up and {len(sample)} relationship assignment(s)"
    print(f"{made} made for {period.key}")
    return 0


def summarise_policy(policy: Policy) -> str:
    lines = [f"policy OK: time zone {policy.timezone}"]
    for quota in policy.quota:
        lines.append(f"  quota {quota.id}: {quota.role} {quota.target} per {quota.period}")
    for rule in policy.coverage:
        who = rule.role or "the role its complaint level routes to (R4)"
        lines.append(
            f"  coverage {rule.id}: {rule.source} within {rule.window_days} days, "
            f"{rule.target_rate:.0%} by {who}"
        )
    return "\n".join(lines)
