"""Content-addressed blob store on the filesystem: photos and signature PNGs named by SHA-256.

A blob is written whole or not at all (temp file in the same folder, fsync, ``os.replace``, fsync
of the folder), so after a crash a name either holds exactly its bytes or is absent; that is why
the service writes the file *before* the database row that says the blob exists. Files fan out
into 256 ``ab/abcd...`` folders, made once by ``prepare()`` at start-up: an upload then never
creates a folder (creating two per blob, each with an fsync of its parent, was a fifth of the
upload time on a fresh server). A folder holds ~4,000 files per million blobs, which ext4 and
its hashed directories handle without trouble. An S3-compatible
store can take this class's place later (DESIGN.md layout).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sync.storage import fsync_dir, write_synced

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
TEMP_PREFIX = ".tmp-"
STALE_TEMP_SECONDS = 3600.0


@dataclass(frozen=True)
class HashedBytes:
    """Bytes together with the SHA-256 they were checked against: what the store accepts.

    The upload service hashes a body once to answer ``hash_mismatch``; carrying the proof in
    the type lets the store skip a second hash of every photo without trusting a bare string.
    """

    sha256: str
    data: bytes

    @classmethod
    def check(cls, sha256: str, data: bytes) -> HashedBytes:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not match its sha256")
        return cls(sha256, data)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where a blob lives; refuses anything but a lowercase hex SHA-256 (no path tricks)."""
        if not SHA256_PATTERN.match(sha256):
            raise ValueError(f"not a sha256: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256

    def prepare(self) -> None:
        """Make the root and all 256 fan-out folders durable once, before the first upload."""
        self.root.mkdir(parents=True, exist_ok=True)
        made = False
        for prefix in range(256):
            folder = self.root / f"{prefix:02x}"
            if not folder.is_dir():
                folder.mkdir(exist_ok=True)
                made = True
        if made:
            fsync_dir(self.root)
            fsync_dir(self.root.parent)
        self.sweep_stale_temps()

    def sweep_stale_temps(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Delete temp files an upload killed mid-write left behind; returns how many.

        They were never a blob (only a completed rename makes one), but each holds up to 10 MB.
        Only files older than ``older_than`` seconds go, so a second server process starting on
        the same folder never takes a file another one is still writing.
        """
        cutoff, removed = time.time() - older_than, 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                if entry.name.startswith(TEMP_PREFIX) and entry.stat().st_mtime < cutoff:
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
        return removed

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, blob: HashedBytes) -> bool:
        """Store a blob under its hash; True if written now, False if it was already there."""
        target = self.path(blob.sha256)
        if target.is_file():
            return False
        if not target.parent.is_dir():  # prepare() made them; only a wiped folder needs this
            _make_folders(self.root, target.parent)
        _write_atomically(target, blob.data)
        return True

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        """For tests and retention tools; the server itself never deletes a stored blob."""
        self.path(sha256).unlink(missing_ok=True)


def _write_atomically(target: Path, data: bytes) -> None:
    """A temp file made readable (0644) at creation, written, fsynced, renamed, and the folder
    fsynced; plain ``os`` calls, as uploads spend a good part of their time here."""
    temp = target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}")
    try:
        write_synced(temp, data, mode=0o644, exclusive=True)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def _make_folders(root: Path, folder: Path) -> None:
    """Creates the fan-out folders, fsyncing each parent so a new folder survives a power cut."""
    root.mkdir(parents=True, exist_ok=True)
    for level in reversed([folder, *folder.parents]):
        if level.is_relative_to(root) and level != root and not level.is_dir():
            level.mkdir(exist_ok=True)
            fsync_dir(level.parent)
