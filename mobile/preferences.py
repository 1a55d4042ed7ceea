"""What the app keeps outside any login: language, server address, last successful sync.

A small JSON file beside the store, written crash-safely like the store's own files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mobile.i18n import DEFAULT_LANGUAGE
from sync.storage import write_file_atomically

DEFAULT_SERVER = "http://127.0.0.1:8000"


@dataclass
class Preferences:
    path: Path
    language: str = DEFAULT_LANGUAGE
    server_url: str = DEFAULT_SERVER
    last_sync: datetime | None = None
    last_user: str | None = None
    """Whose store opens at start-up: each user of a shared phone has their own store."""

    @classmethod
    def load(cls, path: Path) -> Preferences:
        if not path.exists():
            return cls(path)
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        stamp = data.get("last_sync")
        return cls(
            path,
            language=str(data.get("language", DEFAULT_LANGUAGE)),
            server_url=str(data.get("server_url", DEFAULT_SERVER)),
            last_sync=datetime.fromisoformat(stamp) if stamp else None,
            last_user=data.get("last_user"),
        )

    def save(self) -> None:
        data = {
            "language": self.language,
            "server_url": self.server_url,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "last_user": self.last_user,
        }
        write_file_atomically(self.path, json.dumps(data).encode())
