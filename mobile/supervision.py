"""What supervisors read and sign online: the quota board, coverage, the review queue (R2).

Supervision is done with a network (DESIGN.md data flow), so these are plain HTTP calls with the
session's token. Trouble comes back as ``SupervisionError`` carrying a catalog key, never as a
stack trace on the screen.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.boards import CoverageReport, QuotaBoard, VisitDetail, VisitList, VisitSummary
from sync.models import Review
from sync.protocol import API_PREFIX

TIMEOUT = 20.0
Model = TypeVar("Model", bound=BaseModel)


class SupervisionError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class SupervisionClient:
    def __init__(self, server_url: str, token: str) -> None:
        self.base = server_url.rstrip("/") + API_PREFIX
        self.headers = {"Authorization": f"Bearer {token}"}

    def quota_board(self, period: str | None = None) -> QuotaBoard:
        return self._get("/quotas", QuotaBoard, period=period)

    def coverage(self, period: str | None = None) -> CoverageReport:
        return self._get("/coverage", CoverageReport, period=period)

    def visits(self, **filters: str | None) -> list[VisitSummary]:
        return self._get("/visits", VisitList, **filters).visits

    def visit(self, visit_id: str) -> VisitDetail:
        return self._get(f"/visits/{visit_id}", VisitDetail)

    def blob(self, sha256: str) -> bytes:
        return self._request("GET", f"/blobs/{sha256}").content

    def review(self, visit_id: str, decision: str, comment: str) -> Review:
        body = {"decision": decision, "comment": comment}
        response = self._request("POST", f"/visits/{visit_id}/review", json=body)
        return _parse(response, Review)

    def _get(self, path: str, model: type[Model], **params: str | None) -> Model:
        query = {k: v for k, v in params.items() if v}
        return _parse(self._request("GET", path, params=query), model)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = httpx.request(
                method, self.base + path, headers=self.headers, timeout=TIMEOUT, **kwargs
            )
        except httpx.TransportError:
            raise SupervisionError("supervision.error.offline") from None
        if response.status_code == 401:
            raise SupervisionError("sync.error.password_needed")
        if response.status_code == 403:
            raise SupervisionError("supervision.error.forbidden")
        if response.status_code >= 400:
            raise SupervisionError("supervision.error.refused")
        return response


def _parse(response: httpx.Response, model: type[Model]) -> Model:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError):
        raise SupervisionError("sync.error.protocol") from None
