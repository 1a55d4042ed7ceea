"""`huifang user add | list | passwd | disable | enable`: staff accounts from the command line.

The password never goes on the command line (it would sit in shell history and `ps`): it is read
from standard input with ``--password-stdin`` or from ``HUIFANG_PASSWORD``; with neither the
command refuses rather than inventing one.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from server.commands.common import add_storage_options
from server.commands.storage import opened_database
from server.services.staff import (
    NewStaff,
    StaffError,
    add_staff_member,
    list_staff,
    set_active,
    set_password,
)
from sync.models import Role

PASSWORD_VARIABLE = "HUIFANG_PASSWORD"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("user", help="staff accounts")
    actions = parser.add_subparsers(dest="user_action", required=True)
    add = actions.add_parser("add", help="add a staff account")
    add_storage_options(add)
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the person's name, e.g. 王小明")
    add.add_argument("--role", required=True, help=", ".join(role.value for role in Role))
    add.add_argument("--team", help="team (责任区) id; created if missing")
    add.add_argument("--center", help="service centre id; created if missing")
    add.add_argument("--supervisor", help="user name of the supervisor who reviews their visits")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from standard input (else from ${PASSWORD_VARIABLE})",
    )
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list staff accounts")
    add_storage_options(listing)
    listing.set_defaults(func=run_list)
    passwd = actions.add_parser("passwd", help="set a new password (logs out every device)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    add_storage_options(passwd)
    passwd.set_defaults(func=run_passwd)
    for action, help_text in (
        ("disable", "stop an account logging in (its visits stay)"),
        ("enable", "let a disabled account log in again"),
    ):
        toggle = actions.add_parser(action, help=help_text)
        toggle.add_argument("username")
        add_storage_options(toggle)
        toggle.set_defaults(func=run_toggle, active=action == "enable")


def read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return os.environ.get(PASSWORD_VARIABLE)


def refuse_missing_password() -> int:
    print(
        f"no password: pipe it in with --password-stdin or set {PASSWORD_VARIABLE}",
        file=sys.stderr,
    )
    return 2


def run_add(args: argparse.Namespace) -> int:
    password = read_password(args)
    if password is None:
        return refuse_missing_password()
    new = NewStaff(
        username=args.username,
        name=args.name,
        role=args.role,
        password=password,
        team_id=args.team,
        center_id=args.center,
        supervisor=args.supervisor,
    )
    with opened_database(args) as database:
        try:
            with database.write() as session:
                row, notes = add_staff_member(session, new)
        except StaffError as exc:
            print(f"user not added: {exc}", file=sys.stderr)
            return 1
    for note in notes:
        print(note)
    print(f"added {row.username} ({row.role}, team {row.team_id or '-'}, id {row.id})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with opened_database(args) as database, database.read() as session:
        rows = list_staff(session)
        supervisors = {row.id: row.username for row in rows}
        print("username\tname\trole\tteam\tcentre\tsupervisor\tactive")
        for row in rows:
            fields = [row.username, row.name, row.role, row.team_id or "-", row.center_id or "-"]
            fields += [supervisors.get(row.supervisor_id or "", "-"), "yes" if row.active else "no"]
            print("\t".join(fields))
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    password = read_password(args)
    if password is None:
        return refuse_missing_password()
    with opened_database(args) as database:
        try:
            with database.write() as session:
                set_password(session, args.username, password)
        except StaffError as exc:
            print(f"password not changed: {exc}", file=sys.stderr)
            return 1
    print(f"new password set for {args.username}; their devices must log in again")
    return 0


def run_toggle(args: argparse.Namespace) -> int:
    with opened_database(args) as database:
        try:
            with database.write() as session:
                set_active(session, args.username, args.active)
        except StaffError as exc:
            print(f"not changed: {exc}", file=sys.stderr)
            return 1
    print(f"{args.username} {'enabled' if args.active else 'disabled'}")
    return 0
