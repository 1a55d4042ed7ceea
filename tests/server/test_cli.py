"""The command line on a fresh folder, as an administrator would first meet it: `huifang serve`
with no options, then accounts and households added by other commands while it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port, wait_for_health
from tests.server.cli_runner import ISOLATED_VARIABLES, run_huifang
from tests.server.import_files import household_rows, write_csv, write_xlsx

GOOD_PASSWORD = "晴天 sunny 2026"


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[str]:
    """`huifang serve --port P` in an empty folder: no --db, no --data, no variables."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        assert wait_for_health(api, process), "huifang serve did not answer /health"
        yield api
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_a_fresh_folder_serves_and_the_cli_feeds_the_running_server(
    fresh_server: str, tmp_path: Path
) -> None:
    health = httpx.get(f"{fresh_server}/health").json()
    assert health["status"] == "ok" and health["server_epoch"]
    assert (tmp_path / "var" / "huifang.sqlite3").is_file(), "SQLite under ./var by default"

    no_password = run_huifang(
        "user",
        "add",
        "wang",
        "--name",
        "王芳",
        "--role",
        "property_assistant",
        "--team",
        "t1",
        cwd=tmp_path,
    )
    assert no_password.returncode == 2
    assert "--password-stdin" in no_password.stderr and "HUIFANG_PASSWORD" in no_password.stderr

    supervisor = run_huifang(
        "user",
        "add",
        "li",
        "--name",
        "李主管",
        "--role",
        "cs_supervisor",
        "--team",
        "t1",
        "--center",
        "c1",
        "--password-stdin",
        cwd=tmp_path,
        stdin=GOOD_PASSWORD + "\n",
    )
    assert supervisor.returncode == 0, supervisor.stderr
    assert "created team 't1' in centre 'c1'" in supervisor.stdout
    assistant = run_huifang(
        "user",
        "add",
        "wang",
        "--name",
        "王芳",
        "--role",
        "property_assistant",
        "--team",
        "t1",
        "--supervisor",
        "li",
        cwd=tmp_path,
        HUIFANG_PASSWORD=GOOD_PASSWORD,
    )
    assert assistant.returncode == 0, assistant.stderr
    listing = run_huifang("user", "list", cwd=tmp_path)
    assert "wang\t王芳\tproperty_assistant\tt1\tc1\tli\tyes" in listing.stdout

    rows = [row for row in household_rows(12) if row[1] in ("team", "t1")]
    imported = run_huifang(
        "import", "households", str(write_xlsx(tmp_path / "住户.xlsx", rows)), cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    assert "6 added" in imported.stdout

    login = httpx.post(
        f"{fresh_server}/auth/login",
        json={"username": "wang", "password": GOOD_PASSWORD, "device_id": "p1"},
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    assert httpx.get(f"{fresh_server}/me", headers=headers).json()["supervisor_id"] is not None
    pulled = httpx.get(f"{fresh_server}/sync/pull", params={"cursor": 0}, headers=headers).json()
    households = {c["data"]["id"] for c in pulled["changes"] if c["type"] == "household"}
    assert households == {row[0] for row in rows[1:]}, "imported households reach the team's phones"


def test_import_refusals_exit_nonzero_with_a_reason(tmp_path: Path) -> None:
    storage = ("--data", str(tmp_path / "var"))
    no_team = run_huifang(
        "import", "households", str(write_csv(tmp_path / "h.csv", household_rows(3))), *storage
    )
    assert no_team.returncode == 1
    assert "row 2: team 't1' does not exist (known: none)" in no_team.stderr
    created = run_huifang(
        "import", "households", str(tmp_path / "h.csv"), "--create-teams", *storage
    )
    assert created.returncode == 0, created.stderr
    assert "created team(s) t1, t2" in created.stdout


def test_serve_refuses_to_start_on_a_bad_policy_and_says_why(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[[quota]]\nid = "R8-typo"\nrole = "centre_boss"\n', encoding="utf-8")

    result = run_huifang("serve", "--data", str(tmp_path / "var"), "--policy", str(policy))

    assert result.returncode == 2
    assert "the policy file is not valid" in result.stderr
    assert "R8-typo" in result.stderr and "role" in result.stderr
