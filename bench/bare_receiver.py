"""The baseline of bench/sync_day.py: a bare FastAPI app that receives any request, reads its body
whole and throws it away. What the real server does on top of this is the cost being measured."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

app = FastAPI()
METHODS = ["GET", "POST", "PUT", "HEAD"]


@app.api_route("/{path:path}", methods=METHODS)
async def discard(path: str, request: Request) -> Response:
    await request.body()
    return Response(b"{}", media_type="application/json")
