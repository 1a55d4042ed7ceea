"""On-site photos: picked, normalised by ``sync.media``, shown as thumbnails, removable."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.views.controls import Live, Ui, button, note

THUMB = 96


def build(ui: Ui, visit_id: str) -> ft.Control:
    live = Live(lambda box: _thumbnails(ui, visit_id, box), key="photos.list")
    message = note("", color=ft.Colors.RED_700, key="photos.message")

    async def add(_event: Any) -> None:
        for data in await ui.pick_images():
            problem = ui.state.add_photo(visit_id, data)
            if problem:
                message.value = ui.t(problem)
                message.update()
        live.redo()

    return ft.Column(
        [
            note(ui.t("photos.title")),
            live.box,
            button("photos.add", ui.t("photos.add"), add),
            message,
        ]
    )


def _thumbnails(ui: Ui, visit_id: str, live: Live) -> ft.Control:
    draft = ui.state.draft(visit_id) or {}
    tiles: list[ft.Control] = []
    for index, photo in enumerate(draft.get("photos", []), start=1):
        sha = photo["sha256"]
        image = ft.Image(
            src=ui.state.media_path(photo.get("thumb", sha)).read_bytes(),
            width=THUMB,
            height=THUMB,
            fit=ft.BoxFit.COVER,
            semantics_label=ui.t("photos.photo", number=index),
        )
        remove = button(
            f"photos.remove.{index}",
            ui.t("photos.remove", number=index),
            _remove(ui, visit_id, sha, live),
        )
        tiles.append(ft.Column([image, remove], key=f"photo.{sha[:12]}", spacing=4))
    if not tiles:
        return note(ui.t("photos.none"))
    return ft.Row(tiles, wrap=True, spacing=8)


def _remove(ui: Ui, visit_id: str, sha: str, live: Live) -> Any:
    def handler(_event: Any) -> None:
        ui.state.remove_photo(visit_id, sha)
        live.redo()

    return handler
