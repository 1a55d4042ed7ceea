"""The server's content-addressed blob store: whole files under their hash, never a partial one."""

from __future__ import annotations

import hashlib
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
