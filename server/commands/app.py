"""`huifang app`: the Flet field app, as a desktop window or (``--web``) served on localhost."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

DEFAULT_SERVER = "http://127.0.0.1:8000"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "app", help="run the field app (a window, or --web on localhost)"
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("HUIFANG_SERVER", DEFAULT_SERVER),
        help=f"the Huifang server the app talks to (default {DEFAULT_SERVER})",
    )
    parser.add_argument("--web", action="store_true", help="serve the app to a browser")
    parser.add_argument("--port", type=int, default=8550, help="web port (default 8550)")
    parser.add_argument(
        "--app-data",
        type=Path,
        default=None,
        help="where the app keeps its offline store (default: a per-user folder)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mobile.app import run as run_app

    if args.web:
        print(f"Huifang app on http://127.0.0.1:{args.port}/ (server {args.server})", flush=True)
    run_app(server_url=args.server, web=args.web, port=args.port, folder=args.app_data)
    return 0
