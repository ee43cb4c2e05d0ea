"""Every setting has its own row in docs/settings.md, and every row names a setting
(datasette's rule, both ways)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.config import DEFAULT_SECRET, Settings

SETTINGS_DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
_VARIABLE = re.compile(r"HOTLINE_[A-Z0-9_]+")


def documented_rows() -> list[str]:
    """The variable named in the first column of each row of the settings table."""
    names = []
    for line in SETTINGS_DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        first = line.strip().strip("|").split("|", 1)[0]
        found = _VARIABLE.findall(first)
        if found:
            assert len(found) == 1, f"a row names more than one variable: {line}"
            names.append(found[0])
    return names


def test_the_table_is_found() -> None:
    assert documented_rows(), f"no settings table in {SETTINGS_DOC}"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_has_a_row_of_its_own(name: str) -> None:
    assert documented_rows().count(f"HOTLINE_{name.upper()}") == 1


def test_every_row_names_a_setting() -> None:
    known = {f"HOTLINE_{name.upper()}" for name in Settings.model_fields}
    assert [row for row in documented_rows() if row not in known] == []


def test_every_setting_has_a_help_text() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValueError, match="HOTLINE_SECRET_KEY"):
        Settings(env="production", secret_key=DEFAULT_SECRET)
    long_enough = "k" * 32
    ring = {"2026a": "a2V5LW9mLWV4YWN0bHktdGhpcnR5LXR3by1ieXRlcyE="}  # 32 bytes
    assert Settings(env="production", secret_key=long_enough, data_keys=ring).env == "production"


@pytest.mark.parametrize("secret", ["a-real-random-value", "x" * 31, "密钥" * 5])
def test_production_refuses_a_secret_under_32_bytes(secret: str) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Settings(env="production", secret_key=secret)
    assert Settings(env="development", secret_key=secret).secret_key == secret


def test_two_factor_roles_must_be_roles() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        Settings(two_factor_roles=["admin", "root"])
