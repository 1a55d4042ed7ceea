"""Options every server command shares, so CLI and running server see the same database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from server.settings import DEFAULT_DATA_DIR, Settings


def add_storage_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=os.environ.get("HUIFANG_DB"),
        help="database URL (default: SQLite in the data folder; or postgresql://...)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("HUIFANG_DATA", DEFAULT_DATA_DIR)),
        help="data folder for the SQLite file and blobs (default: ./var)",
    )
    parser.add_argument("--policy", type=Path, default=None, help="policy TOML file")


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(data_dir=args.data, db_url=args.db, policy_file=getattr(args, "policy", None))
