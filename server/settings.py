"""Where the server keeps its data and how it is reached; one object shared by CLI and app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

DEFAULT_DATA_DIR = Path("var")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    db_url: str | None = None
    policy_file: Path | None = None
    token_lifetime: timedelta = timedelta(days=30)
    max_body_bytes: int = 2 * 1024 * 1024
    max_blob_bytes: int = 10 * 1024 * 1024
    login_failure_limit: int = 5
    login_lockout: timedelta = timedelta(minutes=5)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """SQLite under the data folder unless a URL was given (``--db``)."""
        if self.db_url:
            return normalise_db_url(self.db_url)
        return f"sqlite:///{(self.data_dir / 'huifang.sqlite3').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def normalise_db_url(url: str) -> str:
    """Let users write ``postgresql://`` while SQLAlchemy is told to use psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url
