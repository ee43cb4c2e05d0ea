"""Access control matrix: every API route × every role (and a foreign unit), one table.

A = allowed (2xx), F = 403, N = 404 (another unit's ticket does not exist for them).
The ticket in the table belongs to 景泰街道 (unit user `jingtai`); `songzhou` is the
foreign unit. Every route of the OpenAPI document must appear in the table.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, intake_body, login

ROLES = ["op", "disp", "sup", "boss", "root", "jingtai", "songzhou"]

#            route                                         op  disp sup boss root own foreign
MATRIX: list[tuple[str, str, str]] = [
    ("GET", "/api/v1/auth/me", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/tickets", "A   A    F   F    A    F   F"),
    ("GET", "/api/v1/tickets", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/tickets/export", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/tickets/{id}", "A   A    A   A    A    A   N"),
    ("POST", "/api/v1/tickets/{id}/actions", "F   A    A   A    A    F   N"),
    ("POST", "/api/v1/tickets/{id}/caller", "A   A    A   F    A    A   N"),
    ("GET", "/api/v1/tickets/{id}/difficulty", "A   A    A   A    A    A   N"),
    ("POST", "/api/v1/tickets/{id}/attachments", "A   A    A   F    A    A   N"),
    ("GET", "/api/v1/attachments/{attachment_id}", "A   A    A   A    A    A   N"),
    ("GET", "/api/v1/units", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/topics", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/groups", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/repeat-callers", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/rules", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/admin/calendar", "F   F    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/calendar/{day}", "F   F    F   F    A    F   F"),
    ("DELETE", "/api/v1/admin/calendar/{day}", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/limits", "F   F    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/limits", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/audit", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/units", "F   F    F   F    A    F   F"),
    ("PATCH", "/api/v1/admin/units/{code}", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/units/{code}/disable", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/units/{code}/enable", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/units/{code}/merge", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/units/{code}/merge", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/calendar/notice/preview", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/calendar/notice", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/limits/presets", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/limits/presets/{preset}", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/dispatch", "F   A    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/dispatch", "F   A    F   F    A    F   F"),
    ("GET", "/api/v1/assessment/district", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/assessment/schemes", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/assessment/schemes", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/assessment/{month}", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/assessment/{month}/drill", "A   A    A   A    A    A   F"),
    ("GET", "/api/v1/assessment/{month}/report.xlsx", "F   A    A   A    A    F   F"),
    ("GET", "/api/v1/supervision/board", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/supervision/tickets/{id}/urge", "F   A    A   A    A    F   F"),
    ("GET", "/api/v1/notifications", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/supervision/scan", "F   F    A   F    A    F   F"),
    ("GET", "/api/v1/assist/difficult", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/assist/intake", "A   A    F   F    A    F   F"),
    ("GET", "/api/v1/assist/review", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/bursts", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/notifications/read", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/knowledge/articles", "A   A    A   A    A    F   F"),
    ("GET", "/api/v1/knowledge/articles/{key}", "A   A    A   A    A    F   F"),
    ("GET", "/api/v1/knowledge/search", "A   A    A   A    A    F   F"),
    ("POST", "/api/v1/knowledge/articles", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/knowledge/articles/{key}/versions", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/knowledge/articles/{key}/retire", "F   F    F   F    A    F   F"),
    # the city platform's pushes take a client key (X-Api-Key), never a person's login
    ("POST", "/api/v1/inbound/tickets", "F   F    F   F    F    F   F"),
] + [
    ("GET", f"/api/v1/stats/{name}", "A   A    A   A    A    A   A")
    for name in (
        "overview",
        "volumes",
        "trend",
        "types",
        "towns",
        "units",
        "warnings",
        "dispatch",
        "handling",
    )
]
MATRIX += [
    # accounts: an admin's changes aim at `hrss` (no column of its own), in this order
    ("GET", "/api/v1/admin/users", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/users", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/users/{username}/password", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/users/{username}/disable", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/users/{username}/enable", "F   F    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/users/{username}/role", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/users/{username}/unlock", "F   F    F   F    A    F   F"),
    ("POST", "/api/v1/admin/users/{username}/reset-2fa", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/assessment/scheme-presets", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/models", "F   F    F   F    A    F   F"),
    # {kind} is the intake assistant: one saved file, no versions to switch, no retraining
    # job, so the admin is let through and the request refused (409, 422)
    ("POST", "/api/v1/admin/models/{kind}/promote", "F   F    F   F    V    F   F"),
    ("POST", "/api/v1/admin/models/{kind}/rollback", "F   F    F   F    V    F   F"),
    ("POST", "/api/v1/admin/models/{kind}/retrain", "F   F    F   F    V    F   F"),
    # one's own account: let through, the body (a weak password, a wrong code) refused
    ("POST", "/api/v1/auth/password", "V   V    V   V    V    V   V"),
    ("POST", "/api/v1/auth/2fa/setup", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/auth/2fa/enable", "V   V    V   V    V    V   V"),
    ("POST", "/api/v1/auth/2fa/disable", "V   V    V   V    V    V   V"),
    ("POST", "/api/v1/auth/2fa/recovery-codes", "V   V    V   V    V    V   V"),
    ("POST", "/api/v1/auth/logout", "A   A    A   A    A    A   A"),  # last: ends the session
]
UNLISTED_OK = {"/api/v1/auth/token"}  # the login itself
#: V: the role is let through and the body refused (409 or 422), for routes whose success
#: would end the session the rest of the table needs.
EXPECTED = {"A": range(200, 300), "F": [403], "N": [404], "V": [409, 422]}


def _body(method: str, path: str) -> dict[str, Any] | None:
    if path.endswith("/actions"):
        return {"action": "urge", "reason": "请尽快办理"}
    if path.endswith("/urge"):
        return {"reason": "请尽快办理"}
    if path == "/api/v1/tickets":
        return intake_body()
    if path.endswith("/calendar/{day}") and method == "PUT":
        return {"is_workday": False, "name": "测试"}
    if path == "/api/v1/admin/limits":
        return {}
    if path.startswith("/api/v1/admin/units/{code}"):  # 区科技局: renamed, off, on, merged
        return {"name": "区科学技术局"} if method == "PATCH" else {"into": "finance"}
    if path.startswith("/api/v1/admin/calendar/notice"):
        return {"year": 2031, "text": "2031-01-01 休 元旦"}
    if path == "/api/v1/admin/dispatch":
        return {"threshold": 0.9}
    if path == "/api/v1/assessment/schemes":
        from hotline.domain.scoring import ScoringScheme

        return ScoringScheme.default().to_dict() | {"version": "2099.1", "valid_from": "2099-01-01"}
    if path.endswith("/promote"):
        return {"version": "v0001"}
    if path == "/api/v1/assist/intake":
        return {"content": "咨询社保转移"}
    if path == "/api/v1/notifications/read":
        return {"all": True}
    if path == "/api/v1/knowledge/articles":
        return {"title": "社保转移办理指南", "body": "携带身份证到区人社局窗口办理。"}
    if path.endswith("/versions"):
        return {"title": "社保转移办理指南（修订）"}
    return _account_body(method, path)


def _account_body(method: str, path: str) -> dict[str, Any] | None:
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/admin/users": {
            "username": "matrix-new",
            "password": "Matrix-pass-42",
            "role": "operator",
        },
        "/api/v1/admin/users/{username}/password": {"password": "Matrix-pass-42"},
        "/api/v1/admin/users/{username}/role": {"role": "unit", "unit": "jingtai"},
        "/api/v1/auth/password": {"current_password": PASSWORD, "new_password": "weak"},
        "/api/v1/auth/2fa/enable": {"enrol_token": "stale", "code": "000000"},
        "/api/v1/auth/2fa/disable": {"password": PASSWORD, "code": "000000"},
        "/api/v1/auth/2fa/recovery-codes": {"code": "000000"},
    }
    return bodies.get(path) if method != "GET" else None


#: Query parameters a route requires, by path.
PARAMS: dict[str, dict[str, str]] = {
    "/api/v1/assessment/{month}/drill": {"unit": "jingtai", "indicator": "overdue"},
    "/api/v1/knowledge/search": {"q": "社保转移"},
    "/api/v1/admin/units/{code}/merge": {"into": "finance"},
}
ARTICLE = "kb-matrix"  # the knowledge article the {key} routes read (retired last)


def _files(path: str) -> dict[str, Any] | None:
    """The multipart body of an upload (the same photo each time: 2xx, kept once)."""
    if path.endswith("/attachments"):
        from tests.samples import jpeg_with_gps

        return {"file": ("现场.jpg", jpeg_with_gps(), "image/jpeg")}
    return None


def _url(path: str, ticket_id: int | str) -> str:
    return (
        path.replace("{id}", str(ticket_id))
        .replace("{attachment_id}", "1")  # the ticket's photo (the fixture's)
        .replace("{day}", "2031-01-01")
        .replace("{month}", "2026-11")
        .replace("{key}", ARTICLE)
        .replace("{username}", "hrss")
        .replace("{kind}", "intake")
        .replace("{code}", "science")
        .replace("{preset}", "guangdong")
    )


@pytest.fixture
def ticket_id(client: TestClient, people) -> int:
    op, disp = login(client, "op"), login(client, "disp")
    tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=disp,
    )
    url = f"/api/v1/tickets/{tid}/attachments"
    photo = client.post(url, files=_files(url), headers=op)
    assert photo.json()["id"] == 1, photo.text
    root = login(client, "root")
    article = {"key": ARTICLE, "title": "居住证办理", "body": "携带身份证和租房合同到派出所办理。"}
    assert client.post("/api/v1/knowledge/articles", json=article, headers=root).is_success
    return int(tid)


def test_the_matrix_covers_every_route(client: TestClient) -> None:
    documented = {
        (m.upper(), p)
        for p, ops in client.get("/openapi.json").json()["paths"].items()
        for m in ops
        if p.startswith("/api/")
    }
    listed = {(m, p.replace("{id}", "{ticket_id}")) for m, p, _ in MATRIX}
    missing = {(m, p) for m, p in documented - listed if p not in UNLISTED_OK}
    assert not missing, f"routes without a row in the access matrix: {sorted(missing)}"


def test_access_matrix(client: TestClient, people, ticket_id: int) -> None:
    headers = {name: login(client, name) for name in ROLES}
    failures = []
    for method, path, row in MATRIX:
        url, params = _url(path, ticket_id), PARAMS.get(path)
        for role, expect in zip(ROLES, row.split(), strict=True):
            r = client.request(
                method,
                url,
                json=_body(method, path),
                files=_files(path),
                params=params,
                headers=headers[role],
            )
            if r.status_code not in EXPECTED[expect]:
                failures.append(f"{method} {path} as {role}: {r.status_code} (want {expect})")
            if r.status_code >= 400:
                assert set(r.json()) >= {"code", "message"}, r.text
    assert not failures, "\n".join(failures)


def test_anonymous_gets_401_everywhere(client: TestClient) -> None:
    for method, path, _row in MATRIX:
        url = _url(path, 1)
        r = client.request(method, url, json=_body(method, path), params=PARAMS.get(path))
        assert r.status_code == 401, f"{method} {path}: {r.status_code}"
        assert r.json()["code"].startswith("auth.")


# ------------------------------------------------------------------ console pages
#
# Every GET page of src/hotline/web/views/*, logged in through the console's login
# form as each role (and the foreign unit), plus anonymous. One row per page:
#   A = 200 page, F = 403, N = 404, H = 303 to the role's home, L = 303 to /login.
# A new page fails test_the_console_matrix_covers_every_page until it has a row here.

CONSOLE_ROLES = [*ROLES, "anon"]

#              page                      op disp sup boss root own foreign anon
CONSOLE: list[tuple[str, str]] = [
    ("/", "H  H    H   H    H    H   H       L"),
    ("/login", "A  A    A   A    A    A   A       A"),
    ("/intake", "A  A    F   F    A    F   F       L"),
    ("/dispatch", "F  A    F   F    A    F   F       L"),
    ("/inbox", "F  F    F   F    F    A   A       L"),
    ("/tickets", "A  A    A   A    A    A   A       L"),
    ("/tickets/{ticket_id}", "A  A    A   A    A    A   N       L"),
    ("/supervise", "F  A    A   A    A    F   F       L"),
    ("/analysis", "F  A    A   A    A    A   A       L"),
    ("/analysis.xlsx", "F  A    A   A    A    A   A       L"),
    ("/dispatch/merges", "F  A    F   F    A    F   F       L"),
    ("/assessment", "F  F    A   A    A    A   A       L"),
    ("/assessment/units/{unit}", "F  F    A   A    A    A   F       L"),
    ("/assessment/units/{unit}/tickets", "F  F    A   A    A    A   F       L"),
    ("/assessment/report.xlsx", "F  F    A   A    A    F   F       L"),
    ("/dashboard", "A  A    A   A    A    A   A       L"),
    ("/notifications", "A  A    A   A    A    A   A       L"),
    ("/notifications/bell", "A  A    A   A    A    A   A       L"),
    ("/admin/audit", "F  F    F   F    A    F   F       L"),
    ("/account", "A  A    A   A    A    A   A       L"),
    ("/admin/users", "F  F    F   F    A    F   F       L"),
    ("/admin/schemes", "F  F    F   F    A    F   F       L"),
    ("/admin/models", "F  F    F   F    A    F   F       L"),
    ("/admin/models/runs/{kind}", "F  F    F   F    A    F   F       L"),
    ("/admin/units", "F  F    F   F    A    F   F       L"),
    ("/admin/calendar", "F  F    F   F    A    F   F       L"),
    ("/admin/limits", "F  F    F   F    A    F   F       L"),
    # the code step needs the password step first (its pending cookie): else to /login
    ("/login/2fa", "L  L    L   L    L    L   L       L"),
    ("/login/2fa/enrol", "L  L    L   L    L    L   L       L"),
    ("/login/password", "L  L    L   L    L    L   L       L"),  # after an admin's reset
    ("/tickets/{ticket_id}/print", "A  A    A   A    A    A   N       L"),
    ("/dispatch/tabs", "F  A    F   F    A    F   F       L"),
    ("/inbox/tabs", "F  F    F   F    F    A   A       L"),
    ("/supervise/returns", "F  A    A   A    A    F   F       L"),
    ("/caller-flags", "F  A    A   F    A    F   F       L"),
]
#: Parts of a page that htmx loads into it (asked for as htmx asks; opened on their own,
#: they lead to their page).
PANELS = {"/dispatch/merges"}
#: What a path parameter of a console page stands for in the walk.
SAMPLE_PARAMS = {
    "month": "2026-11",
    "unit": "jingtai",
    "day": "2031-01-01",
    "key": "demo",
    "kind": "dispatch",
}


def _console_get_pages() -> set[str]:
    """The paths of every GET route of the console's view modules."""
    import importlib
    import pkgutil

    import hotline.web.views as views

    pages: set[str] = set()
    for info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"hotline.web.views.{info.name}")
        router = getattr(module, "router", None)
        for route in getattr(router, "routes", []):
            if "GET" in getattr(route, "methods", ()):
                pages.add(route.path)
    return pages


def _console_tab(client: TestClient, username: str | None) -> TestClient:
    """A browser-like client, logged in through the login form (CSRF cookie first)."""
    tab = TestClient(client.app, follow_redirects=False)
    if username is None:
        return tab
    tab.get("/login")
    form = {"username": username, "password": PASSWORD, "csrf_token": tab.cookies["hotline_csrf"]}
    assert tab.post("/login", data=form).status_code == 303, username
    return tab


def _console_ok(expect: str, response: Any, home: str, *, panel: bool = False) -> bool:
    location = response.headers.get("location", "")
    if expect == "H":
        return response.status_code == 303 and location == home
    if expect == "L" and panel:  # htmx is told where to go in its own way, with a 401
        return response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    if expect == "L":
        return response.status_code == 303 and location.startswith("/login")
    return response.status_code == {"A": 200, "F": 403, "N": 404}[expect]


def test_the_console_matrix_covers_every_page() -> None:
    listed = {page for page, _row in CONSOLE}
    missing = _console_get_pages() - listed
    assert not missing, f"console pages without a row in the console matrix: {sorted(missing)}"


def test_console_access_matrix(client: TestClient, people, ticket_id: int) -> None:
    from hotline.domain.tickets import Role
    from hotline.web.auth import HOME

    params = SAMPLE_PARAMS | {"ticket_id": str(ticket_id), "id": str(ticket_id)}
    homes = {name: HOME.get(Role(role), "") for name, role in people.items()}
    failures = []
    for username in CONSOLE_ROLES:
        tab = _console_tab(client, None if username == "anon" else username)
        with tab:
            for page, row in CONSOLE:
                expect = dict(zip(CONSOLE_ROLES, row.split(), strict=True))[username]
                headers = {"HX-Request": "true"} if page in PANELS else {}
                response = tab.get(page.format(**params), headers=headers)
                home = homes.get(username, "")
                if not _console_ok(expect, response, home, panel=page in PANELS):
                    where = response.headers.get("location", "")
                    failures.append(
                        f"GET {page} as {username}: {response.status_code} {where} (want {expect})"
                    )
    assert not failures, "\n".join(failures)
