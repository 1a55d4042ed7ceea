"""`huifang serve`: the HTTP server."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn

from server.app import create_app
from server.commands.common import add_storage_options, settings_from
from sync.policy import PolicyError


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("serve", help="run the server")
    add_storage_options(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        app = create_app(settings_from(args))
    except PolicyError as exc:
        print(f"huifang serve: the policy file is not valid:\n{exc}", file=sys.stderr)
        return 2
    print(f"Huifang server on http://{args.host}:{args.port}/api/v1 (data: {args.data})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
