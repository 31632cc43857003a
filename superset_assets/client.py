"""A small client of Superset's REST API (login, chart data), for tests, benchmarks and checks."""

from __future__ import annotations

from typing import Any

import httpx

from superset_assets import queries
from superset_assets.model import Chart


class SupersetClient:
    """One logged-in Superset user (JWT from `/api/v1/security/login`)."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 60) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        response = self.http.post(
            "/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
        )
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def chart_data(self, chart: Chart, dataset_id: int, force: bool = True) -> httpx.Response:
        return self.http.post("/api/v1/chart/data", json=queries.chart_data_request(chart, dataset_id, force))

    def rows(self, chart: Chart, dataset_id: int) -> list[dict[str, Any]]:
        response = self.chart_data(chart, dataset_id)
        response.raise_for_status()
        return response.json()["result"][0]["data"]

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
