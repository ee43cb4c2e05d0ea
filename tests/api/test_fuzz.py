"""Fuzzing the API from its OpenAPI document (schemathesis, in-process over ASGI).

Every operation of ``/openapi.json`` gets generated requests, valid ones (positive)
and ones that break the schema (negative), sent with the token of a logged-in user
(an admin, a dispatcher or a handling unit, drawn at random) so the authenticated
code runs, not just the 401. Half the time a path's ticket id is a real ticket.

The rules: no answer is a 5xx (nor an exception escaping the app), and every 4xx
answer is JSON in the ``{"code", "message"}`` shape. Bounded in time: about
``BUDGET_SECONDS`` per database, shared out between the operations.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.factories import intake_body, login

BUDGET_SECONDS = 55.0
MAX_EXAMPLES = 60
FUZZ_USERS = ("root", "disp", "jingtai")
SAMPLES = {"month": "2026-11", "day": "2031-01-01"}


@pytest.fixture
def target(client: TestClient, people: Any) -> dict[str, Any]:
    """Tickets to aim at (one per unit) and the tokens of the fuzzing users."""
    op, disp = login(client, "op"), login(client, "disp")
    ids = []
    for unit in ("jingtai", "songzhou", None):
        tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
        if unit:
            client.post(
                f"/api/v1/tickets/{tid}/actions",
                json={"action": "dispatch", "unit": unit},
                headers=disp,
            )
        ids.append(int(tid))
    tokens = [login(client, name) for name in FUZZ_USERS]
    return {"ids": ids, "tokens": tokens}


class _Enough(Exception):
    """Raised inside the hypothesis test to end an operation's run."""


def _problem(response: Any) -> str | None:
    """What is wrong with an answer, or None."""
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.text[:300]}"
    if 400 <= status < 500:
        try:
            body = response.json()
        except ValueError:
            return f"{status} not JSON: {response.text[:200]}"
        if not isinstance(body, dict) or not {"code", "message"} <= set(body):
            return f"{status} without code/message: {str(body)[:200]}"
    return None


def _aim(case: Any, ids: list[int], real: int | None) -> None:
    """Point path parameters at things that exist (when drawn so)."""
    params = case.path_parameters or {}
    for name in params:
        if real is not None and name in ("ticket_id", "id"):
            params[name] = ids[real % len(ids)]
        elif real is not None and name in SAMPLES:
            params[name] = SAMPLES[name]


def _fuzz_operation(
    operation: Any, mode: GenerationMode, target: dict[str, Any], seconds: float
) -> list[str]:
    found: list[str] = []
    until = time.monotonic() + seconds
    strategy = st.tuples(
        operation.as_strategy(generation_mode=mode),
        st.one_of(st.none(), st.integers(0, 100)),
        st.sampled_from(target["tokens"]),
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=strategy)
    def run(drawn: tuple[Any, int | None, dict[str, str]]) -> None:
        case, real, headers = drawn
        if time.monotonic() > until or len(found) >= 3:
            raise _Enough  # stop generating: this operation's share of the time is used
        _aim(case, target["ids"], real)
        try:
            response = case.call(headers=dict(headers))
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError, ValueError) as exc:
            if "header" in str(exc).lower() or isinstance(exc, UnicodeEncodeError):
                return  # the client could not even send it (not the app's doing)
            found.append(f"{operation.label} [{mode}] raised {exc!r}\n{_curl(case)}")
            return
        except Exception as exc:  # noqa: BLE001 - an exception escaping the app is a 500
            found.append(f"{operation.label} [{mode}] raised {exc!r}\n{_curl(case)}")
            return
        problem = _problem(response)
        if problem:
            found.append(f"{operation.label} [{mode}] {problem}\n{_curl(case)}")

    # Unsatisfiable: e.g. nothing to break in an operation without parameters
    with contextlib.suppress(Unsatisfiable, _Enough):
        run()
    return found


def _curl(case: Any) -> str:
    try:
        return str(case.as_curl_command())
    except Exception:  # noqa: BLE001
        return repr(case)


@pytest.mark.slow
def test_fuzz_the_api_no_5xx_and_every_error_in_shape(
    client: TestClient, target: dict[str, Any]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, not a stub
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    share = BUDGET_SECONDS / (len(operations) * len(modes))
    failures: list[str] = []
    for operation in operations:
        if operation.path == "/api/v1/auth/token":
            continue  # random passwords would lock the fuzzing users out (tested elsewhere)
        for mode in modes:
            failures += _fuzz_operation(operation, mode, target, share)
    assert not failures, "\n\n".join(failures)


# ------------------------------------------------------------------ what the fuzzing found
# Each of these was a 500 (an exception escaping the app) before it was fixed.


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/tickets/36893488147419103232", None),  # OverflowError in SQLite
        ("POST", "/api/v1/tickets/12246383209/actions", {"action": "urge", "reason": "x"}),
        ("POST", "/api/v1/supervision/tickets/12246383209/urge", {"reason": "x"}),  # PG range
        ("GET", "/api/v1/admin/calendar?year=65536", None),  # year out of datetime's range
        ("GET", "/api/v1/tickets?page=99999999999999999999", None),  # OFFSET overflow
    ],
)
def test_numbers_out_of_range_are_422_not_500(
    client: TestClient, target: dict[str, Any], method: str, path: str, body: Any
) -> None:
    root = target["tokens"][0]
    response = client.request(method, path, json=body, headers=root)
    assert response.status_code == 422, response.text
    assert {"code", "message"} <= set(response.json())


def test_a_blank_idempotency_key_is_no_key(client: TestClient, target: dict[str, Any]) -> None:
    root = target["tokens"][0] | {"Idempotency-Key": ""}
    first = client.post("/api/v1/tickets", json=intake_body(), headers=root)
    second = client.post("/api/v1/tickets", json=intake_body(), headers=root)
    assert (first.status_code, second.status_code) == (201, 201)  # was a 500 the second time
    assert first.json()["id"] != second.json()["id"]
