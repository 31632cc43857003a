"""The simulated access history speaks the middleware's language: real routes, real places, no plain IDs."""

from __future__ import annotations

import re
from datetime import date

from services.access_log import places
from services.app import create_app
from simulators import access_history


def _routes(routes, prefix: str = ""):
    """(method, full path) of every route, also inside included routers (`_IncludedRouter`)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)
        else:
            yield from ((method, prefix + route.path) for method in getattr(route, "methods", None) or ())


def test_every_simulated_endpoint_is_a_route_of_the_app() -> None:
    routes = set(_routes(create_app().routes))
    simulated = {(e[0], e[1]) for e in access_history.ALL_ENDPOINTS}
    assert simulated <= routes, sorted(simulated - routes)


def test_history_is_deterministic_and_holds_no_personal_data() -> None:
    first, start, stop = access_history.generate("small", 2, date(2026, 11, 27), seed=5)
    again, _, _ = access_history.generate("small", 2, date(2026, 11, 27), seed=5)
    assert first == again and len(first) > 1000
    assert all(start <= r.at < stop for r in first)
    assert {r.actor_kind for r in first} == {"resident", "staff", "device", "partner", "anonymous"}
    for row in first[:3000]:
        assert row.ip_masked.endswith(".0/24") and places.place_of(row.ip_masked.split("/")[0]).county_code \
            == row.county_code  # fmt: skip
        assert row.actor_token is None or not re.fullmatch(r"\d{17}[\dX]", row.actor_token)
