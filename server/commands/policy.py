"""`huifang policy check FILE`: validate a policy before a server is started on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sync.policy import Policy, PolicyError, load_policy


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "policy", help="work with the visit policy (quotas and coverage)"
    )
    actions = parser.add_subparsers(dest="policy_action", required=True)
    check = actions.add_parser("check", help="validate a policy TOML file and summarise it")
    check.add_argument("file", type=Path, nargs="?", default=None, help="default: shipped policy")
    check.set_defaults(func=run_check)


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
