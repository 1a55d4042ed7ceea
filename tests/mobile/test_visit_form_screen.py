"""The visit form's rules, tested on the screen itself without a renderer (DESIGN.md layer 2):
complete is refused without the owner's signature on site (R1) and without a satisfaction
score, and a household that refuses visits is flagged loudly (R13)."""

from __future__ import annotations

from datetime import datetime

from tests.mobile.flet_harness import ScreenHarness

SIGNATURE = [(20.0, 120.0), (60.0, 40.0), (100.0, 150.0), (140.0, 50.0), (180.0, 140.0)]


def open_new_visit(screen: ScreenHarness, household_id: str, method: str) -> str:
    screen.shell.go("household", id=household_id)
    screen.click(f"visit.start.{method}")
    assert screen.shell.route == "visit"
    return screen.shell.params["id"]


def test_on_site_visit_without_signature_is_refused(screen: ScreenHarness) -> None:
    visit_id = open_new_visit(screen, "h-1501", "on_site")
    screen.click("visit.outcome.satisfied")
    screen.click("visit.satisfaction.5")
    screen.click("visit.complete")
    assert "上门回访须有业主签名" in screen.texts()
    assert screen.shell.state.completed_visit(visit_id) is None

    screen.drag("signature.pad", SIGNATURE)
    screen.click("visit.complete")
    assert screen.shell.state.completed_visit(visit_id) is not None
    assert screen.has("visit.read_only"), "a completed visit shows read-only"
    assert not screen.has("visit.complete")


def test_visit_with_missing_satisfaction_is_refused(screen: ScreenHarness) -> None:
    visit_id = open_new_visit(screen, "h-1501", "phone")
    screen.click("visit.outcome.satisfied")
    screen.click("visit.complete")
    assert "请选择满意度（1–5分）" in screen.texts()
    assert screen.shell.state.completed_visit(visit_id) is None
    screen.click("visit.satisfaction.4")
    screen.click("visit.complete")
    visit = screen.shell.state.completed_visit(visit_id)
    assert visit is not None and visit.method.value == "phone"
    assert visit.signature is None and visit.photos == [] and visit.inspection == []


def test_do_not_visit_household_is_flagged_on_the_card_and_the_form(
    screen: ScreenHarness,
) -> None:
    screen.shell.go("household", id="h-0909")
    assert screen.has("household.warning.household.do_not_visit")
    open_new_visit(screen, "h-0909", "on_site")
    assert screen.has("visit.warning.household.do_not_visit")
    assert any("拒访" in text for text in screen.texts())


def test_an_ordinary_household_has_no_warning(screen: ScreenHarness) -> None:
    open_new_visit(screen, "h-1501", "on_site")
    assert not screen.has("visit.warning.household.do_not_visit")


def test_phone_follow_up_is_marked_and_has_no_photos_or_signature(screen: ScreenHarness) -> None:
    open_new_visit(screen, "h-1501", "phone")
    assert any("电话回访" in text for text in screen.texts())
    assert not screen.has("signature.pad") and not screen.has("photos.add")


def test_unsatisfied_owner_is_asked_for_a_revisit_date(screen: ScreenHarness) -> None:
    visit_id = open_new_visit(screen, "h-1501", "phone")
    assert not screen.has("visit.revisit_due")
    screen.click("visit.outcome.unsatisfied")
    screen.click("visit.satisfaction.2")
    screen.click("visit.complete")
    assert "业主不满意，请填写再次回访日期" in screen.texts()
    screen.type("visit.revisit_due", "2030-01-15")
    screen.click("visit.complete")
    visit = screen.shell.state.completed_visit(visit_id)
    assert visit is not None and visit.revisit.needed and str(visit.revisit.due) == "2030-01-15"


def test_the_revisit_date_can_be_picked_from_a_calendar(screen: ScreenHarness) -> None:
    visit_id = open_new_visit(screen, "h-1501", "phone")
    screen.click("visit.outcome.unsatisfied")
    screen.click("visit.satisfaction.2")
    screen.click("visit.revisit_pick")
    picker = screen.find("visit.revisit_picker")
    picker.value = datetime(2030, 2, 1)
    screen.fire("visit.revisit_picker", "change")
    assert screen.find("visit.revisit_due").value == "2030-02-01"
    screen.click("visit.complete")
    visit = screen.shell.state.completed_visit(visit_id)
    assert visit is not None and str(visit.revisit.due) == "2030-02-01"


def test_typed_text_is_saved_in_the_draft_at_once(screen: ScreenHarness) -> None:
    visit_id = open_new_visit(screen, "h-1501", "on_site")
    screen.type("visit.needs", "楼道灯不亮")
    draft = screen.shell.state.draft(visit_id)
    assert draft is not None and draft["needs"] == "楼道灯不亮"
    assert screen.connection.sent, "page diffs went out msgpack-encoded"


def test_a_tap_on_the_pad_is_not_a_signature(screen: ScreenHarness) -> None:
    visit_id = open_new_visit(screen, "h-1501", "on_site")
    screen.click("visit.outcome.satisfied")
    screen.click("visit.satisfaction.5")
    screen.drag("signature.pad", [(50.0, 50.0), (52.0, 51.0)])
    screen.click("visit.complete")
    assert "签名太小，请清除后重新签名" in screen.texts()
    assert screen.shell.state.completed_visit(visit_id) is None
    screen.click("signature.clear")
    screen.drag("signature.pad", SIGNATURE)
    screen.click("visit.complete")
    assert screen.shell.state.completed_visit(visit_id) is not None
