"""A property assistant's whole day through ``mobile/state.py``, against a real store and a real
server on 127.0.0.1 (issue 5 "Done when", first point)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from mobile.state import AppState
from mobile.syncing import SyncProgress, SyncReport
from server.db.models import VisitRow
from sync.client import RetryPolicy
from tests.factories import jpeg_bytes
from tests.mobile.conftest import ASSISTANT, FieldCompany, sign

ON_SITE_VISITS = 6
PHONE_VISITS = 4


def record_on_site(state: AppState, household_id: str, seed: int) -> str:
    visit_id = state.start_visit(household_id, "relationship", "on_site")
    state.set_inspection(visit_id, 1, result="not_ok", note="卫生间地漏返味")
    state.edit(visit_id, needs="希望尽快处理地漏", measures="已报修", measures_done=True)
    assert state.add_photo(visit_id, jpeg_bytes(seed)) is None
    state.set_outcome(visit_id, "satisfied")
    state.edit(visit_id, satisfaction=5)
    sign(state, visit_id)
    return visit_id


def record_by_phone(state: AppState, household_id: str) -> str:
    visit_id = state.start_visit(household_id, "repair_followup", "phone")
    state.set_outcome(visit_id, "unsatisfied")
    state.edit(visit_id, satisfaction=2, owner_comment="维修后仍有噪音")
    state.set_revisit_due(visit_id, "2030-01-15")
    return visit_id


def server_visit_count(company: FieldCompany) -> int:
    with company.server.database.read() as session:
        return int(session.scalar(select(func.count()).select_from(VisitRow)) or 0)


def test_a_day_offline_reaches_the_server_exactly_once(
    tmp_path: Path, company: FieldCompany
) -> None:
    phone = tmp_path / "phone"
    state = AppState(phone, company.server.url)
    assert state.login(ASSISTANT, company.password) is None
    assert state.sync().error is None
    assert len(state.search_households("")) == len(company.household_ids)

    company.server.kill()
    completed = [record_on_site(state, hid, n) for n, hid in enumerate(company.household_ids[:5])]
    completed += [record_by_phone(state, hid) for hid in company.household_ids[5:9]]
    for visit_id in completed:
        assert state.complete(visit_id) == []
    half_done = state.start_visit(company.household_ids[9], "relationship", "on_site")
    state.edit(half_done, needs="门禁卡失灵")
    assert state.add_photo(half_done, jpeg_bytes(99)) is None
    state.close()

    state = AppState(phone, company.server.url)
    assert state.session is not None, "the saved session opens the app offline"
    assert state.login(ASSISTANT, company.password) is None
    assert state.offline
    draft = state.draft(half_done)
    assert draft is not None and draft["needs"] == "门禁卡失灵" and len(draft["photos"]) == 1
    state.set_outcome(half_done, "satisfied")
    state.edit(half_done, satisfaction=4)
    sign(state, half_done)
    assert state.complete(half_done) == []
    assert state.unsynced_count() == ON_SITE_VISITS + PHONE_VISITS

    company.server.start()
    report = state.sync()
    assert report.error is None, report.detail
    assert report.pushed == ON_SITE_VISITS + PHONE_VISITS
    assert state.unsynced_count() == 0
    assert state.sync().pushed == 0
    assert server_visit_count(company) == ON_SITE_VISITS + PHONE_VISITS
    state.close()


def test_offline_login_needs_the_same_user_and_password(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    company.server.kill()
    assert app_state.login(ASSISTANT, "wrong") == "login.error.bad_credentials"
    assert app_state.login("someone-else", company.password) == "login.error.offline_no_session"
    assert app_state.login(ASSISTANT, company.password) is None
    assert app_state.offline


def test_sync_while_offline_keeps_the_work_and_says_offline(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    app_state.sync()
    visit_id = record_by_phone(app_state, company.household_ids[0])
    assert app_state.complete(visit_id) == []
    company.server.kill()
    app_state.retry = RetryPolicy(attempts=1, sleep=lambda _s: None)
    report = app_state.sync()
    assert report.offline and report.error == "sync.error.offline"
    assert app_state.unsynced_count() == 1


def test_expired_token_during_sync_asks_for_the_password_and_keeps_unsynced_work(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    app_state.sync()
    visit_id = record_on_site(app_state, company.household_ids[1], seed=3)
    assert app_state.complete(visit_id) == []
    assert app_state.session is not None
    import httpx

    headers = {"Authorization": f"Bearer {app_state.session.token}"}
    assert httpx.post(f"{company.server.api}/auth/logout", headers=headers).status_code == 204

    report = app_state.sync()
    assert report.unauthorized and app_state.sync_status.needs_password
    assert app_state.unsynced_count() == 1
    assert app_state.login(ASSISTANT, company.password) is None
    assert app_state.sync().pushed == 1
    assert server_visit_count(company) == 1


def test_today_lists_overdue_assignments_first_with_their_household(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    app_state.sync()
    items = app_state.today()
    assert [item.assignment.id for item in items] == ["a-repair-1"]
    assert items[0].overdue and items[0].household is not None


def test_search_finds_households_by_room_and_owner(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    app_state.sync()
    assert [h.id for h in app_state.search_households("1503")] == ["h-1503"]
    assert [h.id for h in app_state.search_households("拒访户")] == ["h-refuser"]
    assert app_state.household_warnings("h-refuser") == ["household.do_not_visit"]


def test_automatic_sync_waits_for_the_network_then_sends(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    app_state.sync()
    assert app_state.sync_if_reachable() is None, "nothing waiting: no automatic sync"
    company.server.kill()
    visit_id = record_by_phone(app_state, company.household_ids[3])
    assert app_state.complete(visit_id) == []
    assert app_state.sync_if_reachable() is None and app_state.offline
    company.server.start()
    report = app_state.sync_if_reachable()
    assert report is not None and report.pushed == 1 and not app_state.offline
    assert server_visit_count(company) == 1


def test_a_first_login_pulls_the_day_without_being_asked(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    assert app_state.today() == [], "nothing pulled yet"
    report = app_state.sync_if_reachable()
    assert report is not None and report.error is None and report.pulled > 0
    assert [item.assignment.id for item in app_state.today()] == ["a-repair-1"]
    assert app_state.sync_if_reachable() is None, "pulled once: waits for a reason now"


def test_a_sync_asked_for_during_another_waits_for_it_and_runs(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    started, release = threading.Event(), threading.Event()
    reports: list[SyncReport] = []

    def held_open(_progress: SyncProgress) -> None:  # the running sync's progress bar
        started.set()
        release.wait(30)

    running = threading.Thread(target=lambda: reports.append(app_state.sync(held_open)))
    running.start()
    assert started.wait(30)
    asked = threading.Thread(target=lambda: reports.append(app_state.sync()))
    asked.start()
    asked.join(0.5)
    assert asked.is_alive() and not reports, "the asked-for sync waits instead of 'busy'"
    assert app_state.sync(wait=False).error == "sync.error.busy", "automatic ones never queue"
    release.set()
    running.join(30)
    asked.join(30)
    assert [report.error for report in reports] == [None, None]
    assert reports[0].pulled > reports[1].pulled, "the second ran after the first, on its own"


def test_an_assignment_done_on_the_phone_leaves_today_before_any_sync(
    app_state: AppState, company: FieldCompany
) -> None:
    assert app_state.login(ASSISTANT, company.password) is None
    app_state.sync()
    (item,) = app_state.today()
    company.server.kill()
    visit_id = app_state.start_visit(item.assignment.household_id, "repair_followup", "phone")
    app_state.set_outcome(visit_id, "satisfied")
    app_state.edit(visit_id, satisfaction=5)
    assert app_state.today(), "a draft does not fulfil the assignment yet"
    assert app_state.complete(visit_id) == []
    assert app_state.today() == []


def test_two_users_of_one_phone_keep_their_own_work_and_households(
    tmp_path: Path, company: FieldCompany
) -> None:
    from tests.factories import add_household, add_staff
    from tests.mobile.conftest import publish_households

    add_staff(company.server.database, "liuyang", team_id="t2")
    publish_households(
        company.server.database, [add_household(company.server.database, "h-t2-1", team_id="t2")]
    )
    state = AppState(tmp_path / "shared-phone", company.server.url)
    assert state.login(ASSISTANT, company.password) is None
    state.sync()
    visit_id = record_by_phone(state, company.household_ids[0])
    assert state.complete(visit_id) == []
    assert state.sign_out() == "settings.sign_out_unsynced"
    assert state.sign_out(confirmations=2) is None

    assert state.login("liuyang", company.password) is None
    assert state.sync().error is None
    assert [h.id for h in state.search_households("")] == ["h-t2-1"]
    assert state.unsynced_count() == 0, "the first user's visit is not pushed as the second's"

    assert state.login(ASSISTANT, company.password) is None
    assert state.unsynced_count() == 1
    assert state.sync().pushed == 1
    state.close()
