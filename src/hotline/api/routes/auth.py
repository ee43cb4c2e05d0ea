"""POST /auth/token: OAuth2 password form → bearer token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from hotline.api.deps import CurrentUser, SessionDep, SettingsDep
from hotline.domain.tickets import ROLE_LABELS, Role
from hotline.services.admin.users import authenticate, issue_token

router = APIRouter(tags=["auth"])


@router.post("/auth/token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    user = authenticate(
        session=session, username=form.username, password=form.password, settings=settings
    )
    return {
        "access_token": issue_token(user, settings),
        "token_type": "bearer",
        "expires_in": settings.token_ttl_minutes * 60,
    }


@router.get("/auth/me")
def me(user: CurrentUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": ROLE_LABELS[Role(user.role)],
        "unit": user.unit_code,
    }
