"""The demo's month of visits goes in as phones send them: blobs checked and stored, visits
pushed, so the board and the review queue a supervisor opens in the demo are real."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image

from server.services.demo_seed import DEMO_PASSWORD, seed_demo
from server.services.demo_visits import DEMO_MONTH, seed_demo_visits
from sync.policy import load_policy
from tests.factories import login
from tests.live_server import LiveServer


@dataclass
class DemoMonth:
    server: LiveServer
    applied: int

    def headers_for(self, username: str) -> dict[str, str]:
        token = login(self.server.api, username, DEMO_PASSWORD)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def demo_month(sqlite_server: LiveServer) -> DemoMonth:
    """The demo company with this month's visits, on a real server."""
    policy = load_policy()
    seed_demo(sqlite_server.database, policy)
    blob_dir = sqlite_server.data_dir / "blobs"
    applied = seed_demo_visits(sqlite_server.database, blob_dir, policy, datetime.now(UTC))
    return DemoMonth(sqlite_server, applied)


def test_demo_month_reaches_the_board_and_the_review_queue(demo_month: DemoMonth) -> None:
    sqlite_server, applied = demo_month.server, demo_month.applied
    assert applied == sum(on_site + phone for on_site, phone in DEMO_MONTH.values())

    headers = demo_month.headers_for("liqiang")
    board = httpx.get(f"{sqlite_server.api}/quotas", headers=headers).json()["rows"]
    centre_manager = next(row for row in board if row["rule_id"].startswith("R8-center"))
    assert (centre_manager["done"], centre_manager["status"]) == (2, "met")

    visits = httpx.get(f"{sqlite_server.api}/visits", headers=headers).json()["visits"]
    assert len(visits) == applied
    on_site = next(v for v in visits if v["method"] == "on_site")
    record = httpx.get(f"{sqlite_server.api}/visits/{on_site['id']}", headers=headers).json()
    photo_sha = record["record"]["photos"][0]["sha256"]
    photo = httpx.get(f"{sqlite_server.api}/blobs/{photo_sha}", headers=headers)
    assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"


def test_a_visit_prints_as_a_sheet_for_those_who_may_see_it(demo_month: DemoMonth) -> None:
    sqlite_server = demo_month.server
    own = demo_month.headers_for("wangfang")
    visits = httpx.get(f"{sqlite_server.api}/visits", headers=own).json()["visits"]
    on_site = next(v for v in visits if v["method"] == "on_site")

    sheet = httpx.get(f"{sqlite_server.api}/visits/{on_site['id']}/sheet.png", headers=own)
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(sheet.content)) as image:
        assert image.width >= 600 and image.height >= 400

    colleague = demo_month.headers_for("liuyang")
    refused = httpx.get(f"{sqlite_server.api}/visits/{on_site['id']}/sheet.png", headers=colleague)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"


def test_review_queue_leaves_out_the_reviewers_own_visits(demo_month: DemoMonth) -> None:
    sqlite_server = demo_month.server
    supervisor = demo_month.headers_for("chenjing")
    everything = httpx.get(f"{sqlite_server.api}/visits", headers=supervisor).json()["visits"]
    queue = httpx.get(
        f"{sqlite_server.api}/visits", params={"status": "pending"}, headers=supervisor
    ).json()["visits"]

    own = {v["id"] for v in everything if v["staff_name"] == "陈静"}
    assert own, "the demo gives the supervisor visits of her own"
    assert queue and not own & {v["id"] for v in queue}
    assert len(queue) == len(everything) - len(own)
