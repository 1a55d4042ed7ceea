"""``/blobs`` against the real server (issue 4 item 3): every refused upload gets its 4xx, leaves
nothing behind, and the server goes on serving the next good upload. The server is shared by the
module (tests/media/conftest.py); each test has its own staff and blobs."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete

from server.db.models import BlobRow
from sync.media import normalise_photo
from tests.factories import add_household, add_staff, login, make_visit
from tests.live_server import LiveServer
from tests.media import pictures

TIMEOUT = 30


@dataclass
class Caller:
    server: LiveServer
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def put(
        self, sha: str, body: bytes | Iterator[bytes], kind: str = "image/jpeg"
    ) -> httpx.Response:
        headers = {**self.headers, "Content-Type": kind}
        url = f"{self.server.api}/blobs/{sha}"
        return httpx.put(url, content=body, headers=headers, timeout=TIMEOUT)

    def head(self, sha: str) -> int:
        return httpx.head(f"{self.server.api}/blobs/{sha}", headers=self.headers).status_code

    def get(self, sha: str) -> httpx.Response:
        return httpx.get(f"{self.server.api}/blobs/{sha}", headers=self.headers, timeout=TIMEOUT)

    def missing(self, *hashes: str) -> list[str]:
        url = f"{self.server.api}/blobs/missing"
        response = httpx.post(url, json={"hashes": list(hashes)}, headers=self.headers)
        assert response.status_code == 200, response.text
        found: list[str] = response.json()["missing"]
        return found


def _caller(
    server: LiveServer, username: str, role: str = "property_assistant", team: str = "t1"
) -> Caller:
    add_staff(server.database, username, role=role, team_id=team)
    return Caller(server, login(server.api, username))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files_in(folder: Path) -> list[str]:
    return sorted(name for _, _, names in os.walk(folder) for name in names)


def _good_photo(seed: int) -> bytes:
    return normalise_photo(pictures.jpeg(pictures.detailed_photo((640 + seed, 480)))).jpeg


def _refused_uploads() -> list[tuple[str, str, bytes, int, str]]:
    """(case, name to upload under, body, status, code): what a broken or hostile client sends."""
    big = os.urandom(12 * 1024 * 1024)
    truncated = _good_photo(1)[:5000]
    text = "这不是照片 — just a text file\n".encode() * 50
    bomb = pictures.png_claiming_size(30_000, 30_000)
    warning_bomb = pictures.png_claiming_size(10_000, 10_000)
    return [
        ("bomb", _sha(bomb), bomb, 415, "not_an_image"),
        ("bomb in Pillow's warning range", _sha(warning_bomb), warning_bomb, 415, "not_an_image"),
        ("truncated jpeg", _sha(truncated), truncated, 415, "not_an_image"),
        ("text file", _sha(text), text, 415, "not_an_image"),
        ("12 MB body", _sha(big), big, 413, "too_large"),
        ("body not matching its name", _sha(b"other"), _good_photo(2), 400, "hash_mismatch"),
    ]


def test_refused_uploads_get_their_4xx_store_nothing_and_the_next_good_upload_works(
    server: LiveServer,
) -> None:
    assistant = _caller(server, "li")
    blob_dir = server.data_dir / "blobs"
    for number, (case, sha, body, status, code) in enumerate(_refused_uploads()):
        response = assistant.put(sha, body, "image/png")

        assert (response.status_code, response.json()["error"]["code"]) == (status, code), case
        assert assistant.head(sha) == 404, case
        assert assistant.missing(sha) == [sha], case
        assert sha not in _files_in(blob_dir), case
        good = _good_photo(10 + number)
        assert assistant.put(_sha(good), good).status_code == 201, f"after {case}"
    assert httpx.get(f"{server.api}/health").status_code == 200


def test_chunked_body_over_the_limit_is_refused_while_it_streams(server: LiveServer) -> None:
    assistant = _caller(server, "zhao")
    chunk = os.urandom(1024 * 1024)

    def twelve_megabytes() -> Iterator[bytes]:
        for _ in range(12):
            yield chunk

    try:
        response = assistant.put("ab" * 32, twelve_megabytes())
    except httpx.TransportError:
        pytest.fail("the server should answer 413, not drop the connection")
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_large")
    assert "ab" * 32 not in _files_in(server.data_dir / "blobs")


def test_good_upload_is_201_then_200_and_no_longer_missing(server: LiveServer) -> None:
    assistant = _caller(server, "wang")
    photo, unknown = _good_photo(0), "cd" * 32
    sha = _sha(photo)

    assert assistant.missing(sha, unknown) == [sha, unknown]
    assert assistant.put(sha, photo).status_code == 201
    assert assistant.put(sha, photo).status_code == 200
    assert assistant.missing(sha, unknown) == [unknown]
    assert (assistant.head(sha), assistant.head(unknown)) == (200, 404)
    assert sha in _files_in(server.data_dir / "blobs")


def test_a_file_whose_row_a_power_cut_took_is_asked_for_again_and_adopted(
    server: LiveServer,
) -> None:
    """Blob rows commit without waiting for the disk (PROTOCOL.md rule 7): a power cut can take
    a row and leave its fsynced file. Deleting the row is that state."""
    assistant = _caller(server, "zheng")
    photo = _good_photo(3)
    sha = _sha(photo)
    assert assistant.put(sha, photo).status_code == 201
    stored = server.data_dir / "blobs" / sha[:2] / sha
    written_at = stored.stat().st_mtime_ns
    with server.database.write() as session:
        session.execute(delete(BlobRow).where(BlobRow.sha256 == sha))

    assert assistant.missing(sha) == [sha]
    assert assistant.put(sha, photo).status_code == 201
    assert assistant.missing(sha) == []
    assert stored.read_bytes() == photo and stored.stat().st_mtime_ns == written_at


def test_download_is_for_the_uploader_and_whoever_may_see_a_visit_using_it(
    server: LiveServer,
) -> None:
    assistant = _caller(server, "chen", team="t-dl")
    supervisor = _caller(server, "sun", role="cs_supervisor", team="t-dl")
    stranger = _caller(server, "zhou", team="t-other")
    household = add_household(server.database, "h-3-2-1201", team_id="t-dl")
    made = make_visit("s-chen", household, photos=1)
    for sha, data in made.blobs.items():
        assert assistant.put(sha, data).status_code == 201
    photo_sha = made.visit.photos[0].sha256

    assert supervisor.get(photo_sha).status_code == 403  # no visit uses it yet
    push = {"device_id": "phone", "ops": [{"op_id": "1", "record": made.record}]}
    pushed = httpx.post(f"{server.api}/sync/push", json=push, headers=assistant.headers)
    assert pushed.json()["results"][0]["status"] == "applied", pushed.text

    mine = assistant.get(photo_sha)
    assert (mine.status_code, mine.content) == (200, made.blobs[photo_sha])
    assert mine.headers["content-type"] == "image/jpeg"
    assert supervisor.get(photo_sha).status_code == 200
    assert stranger.get(photo_sha).status_code == 403
    assert assistant.get("ef" * 32).status_code == 404
