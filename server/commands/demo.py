"""`huifang demo`: seed a demo company, then start the server and the web app together."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from server.commands.common import add_storage_options, settings_from
from server.db.migrate import upgrade_database
from server.db.session import Database
from server.services.demo_seed import DemoSummary, seed_demo
from server.services.demo_visits import seed_demo_visits
from server.services.policies import policy_for
from server.settings import Settings

DEMO_DATA = Path("var") / "demo"
START_TIMEOUT_S = 60.0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="seed a demo company and start the server and the web app"
    )
    add_storage_options(parser)
    parser.set_defaults(data=Path(os.environ.get("HUIFANG_DATA", DEMO_DATA)))
    parser.add_argument("--port", type=int, default=8000, help="server port (default 8000)")
    parser.add_argument("--app-port", type=int, default=8550, help="app port (default 8550)")
    parser.add_argument("--seed-only", action="store_true", help="seed, print logins, exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    summary = seed(settings)
    if args.seed_only:
        print_logins(summary, None, None)
        return 0
    server = start_server(args)
    server_url = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_healthy(server, server_url)
        print_logins(summary, server_url, f"http://127.0.0.1:{args.app_port}/")
        from mobile.app import run as run_app

        run_app(server_url=server_url, web=True, port=args.app_port, folder=args.data / "app")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


def seed(settings: Settings) -> DemoSummary:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    try:
        upgrade_database(database)
        policy = policy_for(settings)
        summary = seed_demo(database, policy)
        if summary.created:
            now = datetime.now(UTC)
            summary.visits = seed_demo_visits(database, settings.blob_dir, policy, now)
        return summary
    finally:
        database.dispose()


def start_server(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "server.cli", "serve", "--data", str(args.data)]
    command += ["--port", str(args.port)]
    if args.db:
        command += ["--db", args.db]
    if args.policy:
        command += ["--policy", str(args.policy)]
    return subprocess.Popen(command)


def wait_until_healthy(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); is port in use?")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit("the server did not start in time")


def print_logins(summary: DemoSummary, server_url: str | None, app_url: str | None) -> None:
    if summary.created:
        print(
            f"Demo company seeded: {summary.households} households, {summary.sources} sources,"
            f" {summary.visits} visits this month."
        )
    else:
        print("Demo company already seeded (delete the data folder to start afresh).")
    if server_url:
        print(f"Server: {server_url}/api/v1")
    if app_url:
        print(f"App:    {app_url}   (open it in a browser; phone width 412 px looks best)")
    print(f"Demo logins (password for all: {summary.password}):")
    for login in summary.logins:
        print(f"  {login.username:<10} {login.name}  {login.role}")
    sys.stdout.flush()
