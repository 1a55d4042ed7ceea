"""The server's content-addressed blob store: whole files under their hash, never a partial one."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from server.blobs import TEMP_PREFIX, BlobStore, HashedBytes


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_blob_is_written_once_under_its_fanned_out_hash(tmp_path: Path) -> None:
    store, data = BlobStore(tmp_path / "blobs"), b"\x89PNG fake but hashed"
    sha = _sha(data)

    assert store.put(HashedBytes.check(sha, data)) is True
    assert store.put(HashedBytes.check(sha, data)) is False

    assert store.path(sha) == tmp_path / "blobs" / sha[:2] / sha
    assert store.exists(sha) and store.read(sha) == data
    with store.open(sha) as handle:
        assert handle.read() == data


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    for n in range(5):
        data = f"blob {n}".encode()
        store.put(HashedBytes.check(_sha(data), data))

    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(TEMP_PREFIX)]

    assert leftovers == []


def test_bytes_that_do_not_match_the_name_are_not_stored(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    name = _sha(b"the photo")

    with pytest.raises(ValueError):
        store.put(HashedBytes.check(name, b"something else"))

    assert not store.exists(name)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "AB" * 32, "ab" * 31, ""])
def test_only_a_lowercase_sha256_names_a_blob(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path(name)


def test_prepared_store_holds_every_fan_out_folder_before_the_first_upload(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    store.prepare()
    folders = sorted(p.name for p in (tmp_path / "blobs").iterdir())
    assert folders == [f"{n:02x}" for n in range(256)]
    data = b"after prepare"
    assert store.put(HashedBytes.check(_sha(data), data)) and store.read(_sha(data)) == data


def test_start_up_sweeps_temp_files_a_killed_upload_left_but_not_fresh_ones(
    tmp_path: Path,
) -> None:
    store = BlobStore(tmp_path / "blobs")
    store.prepare()
    kept = HashedBytes.check(_sha(b"a stored photo"), b"a stored photo")
    store.put(kept)
    stale = tmp_path / "blobs" / "ab" / f"{TEMP_PREFIX}killed"
    fresh = tmp_path / "blobs" / "cd" / f"{TEMP_PREFIX}still-writing"
    for temp in (stale, fresh):
        temp.write_bytes(b"half a photo")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))

    BlobStore(tmp_path / "blobs").prepare()  # the server starting again

    assert not stale.exists()
    assert fresh.exists(), "a file written in the last hour may belong to a live upload"
    assert store.read(kept.sha256) == b"a stored photo"
