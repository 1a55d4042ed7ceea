"""End to end in a real browser (issue 5): log in with the Chinese UI, open a household, record
an on-site visit with a photo and the owner's signature, complete, sync, and find it on the
server. A 412x915 screenshot of each screen is kept under test-artifacts/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from server.db.models import VisitRow
from tests.e2e.conftest import SUPERVISOR, WebApp
from tests.mobile.conftest import ASSISTANT, FieldCompany

pytestmark = pytest.mark.browser
WAIT_MS = 30_000
PAD_HEIGHT = 220
PAD_GAP = 12
"""The pad sits right above its clear button (mobile/views/signature_pad.py)."""
SIGNATURE_DRAGS = [
    [(0.10, 0.70), (0.25, 0.20), (0.40, 0.75), (0.55, 0.25), (0.70, 0.70)],
    [(0.75, 0.30), (0.82, 0.80), (0.92, 0.35)],
]


def door_photo() -> bytes:
    """A colourful 800x600 JPEG, so the thumbnail visibly is the picked photo."""
    red = Image.linear_gradient("L").resize((800, 600))
    green = red.rotate(90).resize((800, 600))
    image = Image.merge("RGB", (red, green, Image.new("L", (800, 600), 140)))
    ImageDraw.Draw(image).rectangle((300, 150, 500, 550), fill=(120, 70, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def enable_semantics(page: Any) -> None:
    """Flutter builds its accessibility tree (labels, roles) only once this is clicked."""
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")


def shot(page: Any, folder: Path, name: str) -> None:
    page.wait_for_timeout(600)
    page.screenshot(path=str(folder / f"e2e-{name}.png"))


def reveal(page: Any, locator: Any, tries: int = 25) -> Any:
    """Scroll the Flutter view with the wheel until the control is in the viewport."""
    page.mouse.move(206, 450)
    for _ in range(tries):
        if locator.count() and _in_view(locator.first.bounding_box()):
            return locator.first
        page.mouse.wheel(0, 250)
        page.wait_for_timeout(150)
    raise AssertionError(f"{locator} never came into view")


def _in_view(box: dict[str, float] | None) -> bool:
    return box is not None and box["y"] >= 40 and box["y"] + box["height"] <= 915 - 72


def type_into(page: Any, name: str, text: str) -> None:
    """Focus a labelled field the way a finger does, then type (Flutter's own text input)."""
    field = page.get_by_role("textbox", name=name)
    field.wait_for(timeout=WAIT_MS)
    field.click()
    page.wait_for_timeout(300)
    page.keyboard.type(text, delay=20)


def button(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


def sign_on_pad(page: Any) -> None:
    clear = reveal(page, button(page, "清除签名")).bounding_box()
    height = PAD_HEIGHT - 20
    box = {"x": clear["x"], "y": clear["y"] - PAD_GAP - height, "width": clear["width"]}
    box["height"] = height
    for stroke in SIGNATURE_DRAGS:
        points = [
            (box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke
        ]
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y, steps=8)
        page.mouse.up()
        page.wait_for_timeout(300)


def test_on_site_visit_recorded_in_the_browser_reaches_the_server(
    web_app: WebApp,
    field_company: FieldCompany,
    browser_page: Any,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    page = browser_page
    page.goto(web_app.url)
    enable_semantics(page)
    log_in_and_pull(page, field_company, artifacts_dir)
    open_household(page, artifacts_dir)
    page = record_on_site_visit(page, artifacts_dir, tmp_path)
    # The automatic sync (every 30 s with work waiting) may have sent the visit first, so the
    # button's own report may say 上传 0 条; what counts is nothing waiting and the server's row.
    sync_now(page, "同步完成")
    page.get_by_text("待同步 0 条", exact=True).wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "9-synced")

    with field_company.server.database.read() as session:
        rows = list(session.scalars(select(VisitRow)))
    assert len(rows) == 1
    assert rows[0].household_id == "h-1502" and rows[0].method == "on_site"
    assert len(rows[0].record["photos"]) == 1 and rows[0].record["signature"] is not None
    assert rows[0].record["needs"] == "楼道灯经常不亮", "typed before the tab was closed"
    assert rows[0].record["satisfaction"] == 5

    review_as_supervisor(page, field_company, artifacts_dir)
    with field_company.server.database.read() as session:
        assert session.scalars(select(VisitRow)).one().review_status == "approved"


def log_in_and_pull(page: Any, company: FieldCompany, artifacts_dir: Path) -> None:
    type_into(page, "用户名", ASSISTANT)
    type_into(page, "密码", company.password)
    shot(page, artifacts_dir, "1-login")
    button(page, "登录").click()
    page.get_by_text("回访任务", exact=True).wait_for(timeout=WAIT_MS)
    sync_now(page, "同步完成")
    button(page, "今日").click()
    button(page, "打开住户").wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "2-today")


def sync_now(page: Any, expected: str) -> None:
    button(page, "同步").click()
    button(page, "立即同步").click()
    page.get_by_text(expected, exact=False).wait_for(timeout=WAIT_MS)


def open_household(page: Any, artifacts_dir: Path) -> None:
    button(page, "住户").click()
    type_into(page, "搜索房号或业主姓名", "1502")
    page.get_by_text("业主1502").wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "3-households")
    page.get_by_text("业主1502").click()
    button(page, "上门回访").wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "4-household")


def record_on_site_visit(page: Any, artifacts_dir: Path, tmp_path: Path) -> Any:
    button(page, "上门回访").click()
    page.get_by_text("现场查看", exact=True).wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "5-visit-form")
    type_into(page, "客户需求", "楼道灯经常不亮")
    reveal(page, button(page, "满意")).click()
    reveal(page, button(page, "5分")).click()
    page = reopen_the_draft_in_a_new_tab(page, artifacts_dir)

    photo = tmp_path / "door.jpg"
    photo.write_bytes(door_photo())
    with page.expect_file_chooser(timeout=WAIT_MS) as chooser:
        reveal(page, button(page, "添加照片")).click()
    chooser.value.set_files(str(photo))
    reveal(page, button(page, "删除照片 1")).wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "6-photo")

    sign_on_pad(page)
    shot(page, artifacts_dir, "7-signature")
    reveal(page, button(page, "完成回访")).click()
    page.get_by_text("此回访已完成，不能再修改").wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "8-completed")
    return page


def reopen_the_draft_in_a_new_tab(page: Any, artifacts_dir: Path) -> Any:
    """Closing the app mid-visit loses nothing: a new tab (a new Flet session, same device) is
    offered the draft on Today, and it reopens with what was typed."""
    url = page.url
    context = page.context
    page.close()
    page = context.new_page()
    page.goto(url)
    enable_semantics(page)
    draft = button(page, "客户关系拜访 · 3栋2单元1502")
    draft.wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "5b-draft-on-today-in-a-new-tab")
    draft.click()
    page.get_by_role("textbox", name="客户需求").wait_for(timeout=WAIT_MS)
    reveal(page, button(page, "5分"))
    shot(page, artifacts_dir, "5c-draft-reopened")
    return page


def review_as_supervisor(page: Any, company: FieldCompany, artifacts_dir: Path) -> None:
    """Same device, next user: the supervisor sees the board and signs the visit off (R2)."""
    button(page, "设置").click()
    button(page, "退出登录").click()
    type_into(page, "用户名", SUPERVISOR)
    type_into(page, "密码", company.password)
    button(page, "登录").click()
    button(page, "指标").click()
    page.get_by_text("回访覆盖率（按规则）", exact=True).wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1500)
    shot(page, artifacts_dir, "10-quota-board")
    button(page, "审核").click()
    page.get_by_text("待审核 1 条", exact=True).wait_for(timeout=WAIT_MS)
    shot(page, artifacts_dir, "11-review-queue")
    page.get_by_text("3栋2单元1502", exact=False).first.click()
    type_into(page, "审核意见", "照片和签名齐全")
    shot(page, artifacts_dir, "12-review-visit")
    reveal(page, button(page, "审核通过")).click()
    page.get_by_text("待审核 0 条", exact=True).wait_for(timeout=WAIT_MS)
