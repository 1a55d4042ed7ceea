"""The app served as a web app (``huifang app --web``, no CDN) against a real seeded server, and
Debian's Chromium driven by Playwright (``executable_path``; never a browser download)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.db.models import StaffRow
from tests.conftest import CHROMIUM
from tests.factories import add_staff
from tests.live_server import LiveServer, free_port
from tests.mobile.conftest import FieldCompany, seed_field_company

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 412, "height": 915}
APP_START_TIMEOUT_S = 60.0


@dataclass
class WebApp:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


SUPERVISOR = "chenjing"


@pytest.fixture
def field_company(sqlite_server: LiveServer) -> FieldCompany:
    """The field company plus the assistant's customer-service supervisor (R2 reviewer)."""
    company = seed_field_company(sqlite_server)
    boss = add_staff(sqlite_server.database, SUPERVISOR, role="cs_supervisor", team_id="t1")
    with sqlite_server.database.write() as session:
        assistant = session.get(StaffRow, company.staff_id)
        assert assistant is not None
        assistant.supervisor_id = boss
    return company


@pytest.fixture
def web_app(
    tmp_path: Path, field_company: FieldCompany, request: pytest.FixtureRequest
) -> Iterator[WebApp]:
    port = free_port()
    log = tmp_path / "app.log"
    command = [sys.executable, "-m", "server.cli", "app", "--web", "--port", str(port)]
    command += ["--server", field_company.server.url, "--app-data", str(tmp_path / "app-data")]
    env = {**os.environ, "FLET_FORCE_WEB_SERVER": "1"}
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    app = WebApp(f"http://127.0.0.1:{port}/", process, log)
    _wait_for(app)
    yield app
    if _failed(request):
        print("app log:", log.read_text(errors="replace")[-3000:])
        print("server log:", field_company.server.log_tail())
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(app: WebApp) -> None:
    deadline = time.monotonic() + APP_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"app exited: {app.log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(app.url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError("the web app did not start in time")


FAILED = pytest.StashKey[bool]()
SCREEN_WORDS_JS = """() => [
    ...Array.from(document.querySelectorAll('[aria-label]')).map(e => e.getAttribute('aria-label')),
    document.querySelector('flt-semantics-host')?.innerText ?? '']"""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Marks a failed test so its fixtures can say, at teardown, what led up to it."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed:
        item.stash[FAILED] = True


def _failed(request: pytest.FixtureRequest) -> bool:
    return request.node.stash.get(FAILED, False)


@pytest.fixture
def browser_page(
    tmp_path: Path, artifacts_dir: Path, request: pytest.FixtureRequest
) -> Iterator[object]:
    """Chromium at a phone's size. A failed test prints what the screen said: CI keeps the
    output, so a failure seen only there can be read without its screenshots."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=PHONE,
            locale="zh-CN",
        )
        page = context.pages[0] if context.pages else context.new_page()
        yield page
        if context.pages:  # the test may have moved on to a new tab
            last = context.pages[-1]
            last.screenshot(path=str(artifacts_dir / "e2e-last-screen.png"))
            if _failed(request):
                print("words on the last screen:", last.evaluate(SCREEN_WORDS_JS))
        context.close()
