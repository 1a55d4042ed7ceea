"""The administrator's imports over HTTP: the same all-or-nothing rule as the command line."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import func, select

from server.db.models import HouseholdRow
from tests.factories import add_staff, add_team, login
from tests.live_server import LiveServer
from tests.server.import_files import household_rows, with_cells, write_csv, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_admin_uploads_households_all_or_nothing(live_server: LiveServer, tmp_path: Path) -> None:
    add_staff(live_server.database, "root", "admin", team_id=None, center_id=None)
    add_staff(live_server.database, "li", "cs_supervisor")
    add_team(live_server.database, "t2")
    api = live_server.api
    admin = {"Authorization": f"Bearer {login(api, 'root')}"}
    rows = household_rows(40)
    bad = write_csv(tmp_path / "bad.csv", with_cells(rows, [(7, "room", "")])).read_bytes()
    good = write_xlsx(tmp_path / "good.xlsx", rows).read_bytes()
    url = f"{api}/admin/import/households"

    supervisor = {"Authorization": f"Bearer {login(api, 'li')}"}
    forbidden = httpx.post(url, content=good, headers=supervisor | {"content-type": XLSX})
    assert (forbidden.status_code, forbidden.json()["error"]["code"]) == (403, "forbidden")

    refused = httpx.post(url, content=bad, headers=admin | {"content-type": "text/csv"})
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"] == [{"row": 7, "message": "room is empty"}]
    with live_server.database.read() as session:
        assert session.scalar(select(func.count()).select_from(HouseholdRow)) == 0

    imported = httpx.post(url, content=good, headers=admin | {"content-type": XLSX})
    assert imported.status_code == 200, imported.text
    assert (imported.json()["added"], imported.json()["unchanged"]) == (40, 0)
    not_a_table = httpx.post(url, content=b"", headers=admin)
    assert (not_a_table.status_code, not_a_table.json()["error"]["code"]) == (422, "invalid")

    staff = httpx.get(f"{api}/admin/staff", headers=admin).json()
    assert sorted(member["username"] for member in staff) == ["li", "root"]
