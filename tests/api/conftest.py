from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from tests.factories import USERS, make_user


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def people(session: Session) -> dict[str, str]:
    """One user per role; unit users of three units (jingtai, songzhou, hrss)."""
    users = USERS | {"hrss": ("unit", "hrss")}
    for name, (role, unit) in users.items():
        make_user(session, name, role, unit)
    return {name: role for name, (role, _unit) in users.items()}
