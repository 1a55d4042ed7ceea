"""How records read on screen: addresses, kinds, methods, outcomes and tags, from the catalogs."""

from __future__ import annotations

from datetime import date, datetime

from mobile.drafts import COMPANY_TZ
from mobile.views.controls import Ui
from sync.models import Household


def address(ui: Ui, household: Household) -> str:
    """Imported data may say ``3`` or ``3栋``: bare numbers get the word, the rest stay as is."""
    parts = {
        "building": _with_word(ui, "household.building_n", household.building),
        "unit": _with_word(ui, "household.unit_n", household.unit),
        "room": _with_word(ui, "household.room_n", household.room),
    }
    key = "household.address" if household.unit else "household.address_no_unit"
    return ui.t(key, **parts)


def _with_word(ui: Ui, key: str, value: str) -> str:
    return ui.t(key, n=value) if value.isdigit() and len(value) < 3 else value


def kind_label(ui: Ui, kind: str) -> str:
    return ui.t(f"kind.{kind}")


def method_label(ui: Ui, method: str) -> str:
    return ui.t(f"method.{method}")


def outcome_label(ui: Ui, outcome: str | None) -> str:
    return ui.t(f"outcome.{outcome}") if outcome else ""


def tenure_label(ui: Ui, household: Household, today: date) -> str | None:
    """DOMAIN.md tenure: new < 6 months, settling-in 6-12, stable 1-2 years, long-standing."""
    if household.move_in is None:
        return None
    months = (today.year - household.move_in.year) * 12 + today.month - household.move_in.month
    if months < 6:
        return ui.t("tenure.new")
    if months < 12:
        return ui.t("tenure.settling")
    if months < 24:
        return ui.t("tenure.stable")
    return ui.t("tenure.long")


def when(moment: datetime) -> str:
    """A local date and time, short enough for a phone line."""
    return moment.astimezone(COMPANY_TZ).strftime("%Y-%m-%d %H:%M")
