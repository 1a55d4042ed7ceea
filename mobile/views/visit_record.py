"""A completed visit, read-only: a completed record never changes (a correction is a new visit)."""

from __future__ import annotations

import flet as ft

from mobile.views.controls import Ui, note, screen
from mobile.views.labels import address, kind_label, method_label, outcome_label, when
from sync.models import Photo


def build(ui: Ui, visit_id: str) -> ft.Control:
    visit = ui.state.completed_visit(visit_id)
    assert visit is not None
    household = ui.state.household(visit.household_id)
    lines = [
        ui.t("visit.read_only"),
        address(ui, household) if household else visit.household_id,
        f"{kind_label(ui, visit.kind.value)} · {method_label(ui, visit.method.value)}",
        ui.t("record.time", start=when(visit.started_at), end=when(visit.ended_at)),
        ui.t("record.outcome", outcome=outcome_label(ui, visit.outcome.value)),
    ]
    if visit.satisfaction is not None:
        lines.append(ui.t("record.satisfaction", score=visit.satisfaction))
    if visit.revisit.needed:
        lines.append(ui.t("record.revisit", date=str(visit.revisit.due or "-")))
    for label_key, text in (
        ("visit.needs", visit.needs),
        ("visit.measures", visit.measures),
        ("visit.owner_comment", visit.owner_comment),
    ):
        if text:
            lines.append(f"{ui.t(label_key)}: {text}")
    lines.append(ui.t("record.photos", count=len(visit.photos)))
    body: list[ft.Control] = [note(line) for line in lines]
    body[0] = note(lines[0], key="visit.read_only")
    body.extend(
        _pictures(ui, visit.photos, visit.signature.png_sha256 if visit.signature else None)
    )
    state = ui.state.visit_sync_state(visit_id)
    if state:
        body.append(note(ui.t(f"visit.state.{state}"), key="visit.sync_state"))
    review = ui.state.review_of(visit_id)
    if review:
        body.append(
            note(
                ui.t(f"review.{review.decision.value}", comment=review.comment), key="visit.review"
            )
        )
    return screen(ui.t("visit.title"), body)


def _pictures(ui: Ui, photos: list[Photo], signature_sha: str | None) -> list[ft.Control]:
    images: list[ft.Control] = []
    for index, photo in enumerate(photos, start=1):
        path = ui.state.media_path(photo.sha256)
        if path.exists():
            images.append(
                ft.Image(
                    src=path.read_bytes(),
                    width=96,
                    height=96,
                    fit=ft.BoxFit.COVER,
                    semantics_label=ui.t("photos.photo", number=index),
                )
            )
    controls: list[ft.Control] = [ft.Row(images, wrap=True)] if images else []
    if signature_sha and ui.state.media_path(signature_sha).exists():
        controls.append(note(ui.t("signature.title")))
        controls.append(
            ft.Image(
                src=ui.state.media_path(signature_sha).read_bytes(),
                height=120,
                semantics_label=ui.t("signature.title"),
            )
        )
    return controls
