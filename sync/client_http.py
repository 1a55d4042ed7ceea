"""The sync client's way onto the network: one request at a time, retried when the fault may be
passing (transport errors, 5xx) with capped exponential backoff and full jitter, never retried
when the server refused the request itself (4xx), and stopped between requests by a cancel flag.

Every request the client makes is safe to repeat (blob uploads are content-addressed, pushes are
idempotent by visit id, pulls only read), so a retry after a response was lost is always right.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sync.protocol import API_PREFIX

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


class SyncError(Exception):
    """Base of everything a sync can stop with; unsynced work on the phone is never touched."""


class AuthExpired(SyncError):
    """401: the token is unknown, expired or revoked; the app asks for the password again."""

    status = 401


class SyncAborted(SyncError):
    """The user cancelled; what was acknowledged so far is recorded, the rest stays queued."""


class SyncUnavailable(SyncError, httpx.TransportError):
    """The server could not be reached (or kept failing) after every retry: offline for now."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Refusal:
    """A 4xx answer other than 401: the request itself was refused and must not be retried."""

    status: int
    code: str
    message: str
    details: dict[str, Any]


@dataclass
class RetryPolicy:
    """How long to keep trying; ``sleep`` and ``random`` are injectable so tests run instantly
    and deterministically."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random

    def delay(self, failures: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(failures-1))]."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1))
        return float(ceiling * self.random())


@dataclass
class WireCounter:
    """Requests made and body bytes sent, for the benchmark and the sync report (blob uploads
    run on a few threads, hence the lock)."""

    requests: int = 0
    bytes_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, body_bytes: int) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_sent += body_bytes


def api_base(server_url: str) -> str:
    """Accept ``http://host:port`` or ``http://host:port/api/v1``."""
    base = server_url.rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


@dataclass
class Transport:
    """Authenticated requests against one server with retries and a cancel flag."""

    server_url: str
    token: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cancel: threading.Event = field(default_factory=threading.Event)
    counter: WireCounter = field(default_factory=WireCounter)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | Refusal:
        """The response (2xx/3xx) or a Refusal (4xx); raises AuthExpired, SyncAborted or
        SyncUnavailable when every attempt failed."""
        last_problem = "no attempt made"
        for attempt in range(1, self.retry.attempts + 1):
            self.check_cancel()
            outcome = self._attempt(method, path, kwargs)
            if not isinstance(outcome, str):
                return outcome
            last_problem = outcome
            if attempt < self.retry.attempts:
                self.retry.sleep(self.retry.delay(attempt))
        raise SyncUnavailable(f"{method} {path}: {last_problem}")

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            raise SyncAborted("sync cancelled")

    def _attempt(
        self, method: str, path: str, kwargs: dict[str, Any]
    ) -> httpx.Response | Refusal | str:
        """One try: a final answer, or a string saying why it is worth trying again."""
        options = {k: v for k, v in kwargs.items() if k != "headers"}
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.get("headers", {})}
        url = api_base(self.server_url) + path
        request = self.http.build_request(method, url, headers=headers, **options)
        self.counter.count(len(request.content))
        try:
            response = self.http.send(request)
        except httpx.TransportError as error:
            return f"{type(error).__name__}: {error}"
        return judge_response(response)


def judge_response(response: httpx.Response) -> httpx.Response | Refusal | str:
    if response.status_code == 401:
        raise AuthExpired(refusal_of(response).message)
    if response.status_code in RETRYABLE_STATUS or response.status_code >= 500:
        return f"HTTP {response.status_code}"
    if response.status_code >= 400:
        return refusal_of(response)
    return response


def refusal_of(response: httpx.Response) -> Refusal:
    """The contract's ``{"error": {"code", "message", ...}}``, or what can be made of the body."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    details = {k: v for k, v in error.items() if k not in ("code", "message")}
    code = str(error.get("code") or f"http_{response.status_code}")
    message = str(error.get("message") or response.text[:200])
    return Refusal(response.status_code, code, message, details)
