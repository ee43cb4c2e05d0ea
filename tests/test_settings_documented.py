"""Every setting is documented in the README (datasette's rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.config import DEFAULT_SECRET, Settings

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_in_readme(name: str) -> None:
    assert f"HOTLINE_{name.upper()}" in README.read_text(encoding="utf-8")


def test_every_setting_has_a_help_text() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValueError, match="HOTLINE_SECRET_KEY"):
        Settings(env="production", secret_key=DEFAULT_SECRET)
    assert Settings(env="production", secret_key="a-real-random-value").env == "production"
