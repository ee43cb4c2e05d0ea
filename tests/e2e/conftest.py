"""Browser tests: a live server on a free port with a fresh database, and Debian's Chromium.

The server is the real thing (``uvicorn hotline.api.app:create_app``) in a subprocess;
the database is migrated and its users created with the ``hotline`` command, then a
month of tickets is added through the services (``seed.py``). Chromium is Debian's
(``/usr/bin/chromium``), never a downloaded browser: without it the tests are skipped
with a reason, except in CI (``CI=true``) where that is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import HOMES, PASSWORD, USERS

__all__ = ["HOMES", "USERS"]  # the console's people and each role's home page

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_problem() -> str | None:
    if CHROMIUM.exists():
        return None
    return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    hotline = Path(sys.executable).with_name("hotline")
    command = [str(hotline)]
    if not hotline.exists():
        command = [sys.executable, "-c", "from hotline.cli import main; main()"]
    return subprocess.Popen(
        [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _run(env: dict[str, str], *args: str) -> None:
    proc = _cli(env, *args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, f"hotline {' '.join(args)} failed: {err.decode()}{out.decode()}"


def _create_users(env: dict[str, str]) -> None:
    for username, (role, unit) in USERS.items():
        args = ["users", "create", "--username", username, "--password", PASSWORD]
        args += ["--role", role, "--name", username] + (["--unit", unit] if unit else [])
        _run(env, *args)


def _seed(env: dict[str, str], db_url: str, models_dir: Path) -> None:
    from hotline.config import Settings
    from hotline.store.db import make_engine, session_factory
    from tests.e2e.seed import seed_month, train_assistants

    # the server's secret key: the callers' data is encrypted under the key derived from it
    settings = Settings(database_url=db_url, secret_key=env["HOTLINE_SECRET_KEY"], env="test")
    engine = make_engine(db_url)
    with session_factory(engine, settings)() as session:
        seed_month(session, n=220)
        train_assistants(session, models_dir)
    engine.dispose()


@dataclass
class Server:
    url: str
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = httpx.post(
                f"{self.url}/api/v1/auth/token",
                data={"username": username, "password": PASSWORD},
                timeout=10,
            )
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return self.tokens[username]

    def api(self, username: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        r = httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)
        assert r.status_code < 300, r.text
        return r.json()  # type: ignore[no-any-return]

    def intake(self, username: str = "op", **body: Any) -> dict[str, Any]:
        from tests.factories import intake_body

        return self.api(username, "POST", "/tickets", json=intake_body(**body))

    def act(self, username: str, ticket_id: int, **body: Any) -> dict[str, Any]:
        return self.api(username, "POST", f"/tickets/{ticket_id}/actions", json=body)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    problem = _chromium_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {problem}")
        pytest.skip(problem)
    tmp = tmp_path_factory.mktemp("live")
    db_url = f"sqlite:///{tmp / 'hotline.db'}"
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": db_url,
        "HOTLINE_DATA_DIR": str(tmp / "data"),
        "HOTLINE_SECRET_KEY": "e2e-secret-key-not-for-production",
        "HOTLINE_ARGON2_TIME_COST": "1",
        "HOTLINE_ARGON2_MEMORY_KIB": "1024",
        "HOTLINE_ENV": "test",
        "HOTLINE_TWO_FACTOR_ROLES": "[]",  # 2FA sign-in: tests/e2e/test_accounts.py
    }
    _run(env, "db", "upgrade")
    port = _free_port()
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hotline.api.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _fill(env, db_url, tmp / "data" / "models")
        _wait_ready(url, proc, tmp / "server.log")
        yield Server(url, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _fill(env: dict[str, str], db_url: str, models_dir: Path) -> None:
    """Users through the CLI (one at a time) while a month of tickets goes in."""
    failures: list[BaseException] = []

    def users() -> None:
        try:
            _create_users(env)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            failures.append(exc)

    thread = threading.Thread(target=users)
    thread.start()
    try:
        _seed(env, db_url, models_dir)
    finally:
        thread.join()
    if failures:
        raise failures[0]


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server did not start: {log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Console:
    """A logged-in browser tab with its console errors collected."""

    def __init__(
        self,
        browser: Any,
        server: Server,
        width: int = 1440,
        height: int = 900,
        storage_state: Any = None,
    ) -> None:
        self.server = server
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            storage_state=storage_state,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", self._on_dialog)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, path: str) -> Any:
        return self.page.goto(self.server.url + path)

    def login(self, username: str, password: str = PASSWORD) -> Console:
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form button[type=submit]")
        self.page.wait_for_load_state("domcontentloaded")
        return self

    def shot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def sessions() -> dict[str, Any]:
    """Each user's cookies after their first login through the form (reused afterwards)."""
    return {}


@pytest.fixture
def open_console(browser: Any, server: Server, sessions: dict[str, Any]) -> Iterator[Any]:
    """``open_console("op")`` → a :class:`Console` logged in as that user, on their home."""
    opened: list[Console] = []

    def make(username: str | None = None, **size: int) -> Console:
        state = sessions.get(username) if username else None
        console = Console(browser, server, storage_state=state, **size)
        opened.append(console)
        if username is None:
            return console
        if state is None:
            console.login(username)
            sessions[username] = console.context.storage_state()
        else:
            console.goto("/")
        return console

    yield make
    for console in opened:
        console.close()
