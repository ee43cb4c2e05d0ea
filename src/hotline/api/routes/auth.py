"""Signing in and out, and what a user changes on their own account.

``POST /auth/token`` takes the OAuth2 password form; a user who signs in with a second
factor (every admin, and whoever turned it on) adds ``otp``: the current code of their
authenticator app or one recovery code. Without it the answer is 401 ``auth.otp_required``;
an admin who has not enrolled yet gets 403 ``auth.2fa_enrolment_required`` (enrolment is
done in the console, at the first sign-in). After an admin reset the password, the user
adds ``new_password`` (their own, under the password rules); without it 403
``auth.password_change_required`` and no token. The token is a session like the console's:
``POST /auth/logout`` ends it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import OAuth2PasswordRequestForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, ConfigDict, Field

from hotline.api.deps import CurrentUser, SessionDep, SettingsDep, client_of
from hotline.config import Settings
from hotline.domain.errors import Invalid, Unauthorized
from hotline.domain.tickets import ROLE_LABELS, Role
from hotline.services.admin import signin, two_factor, users
from hotline.services.admin.passwords import rules_of

router = APIRouter(tags=["auth"])
ENROL_SECONDS = 600


@router.post("/auth/token")
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    otp: Annotated[str, Form(max_length=32, description="两步验证：动态验证码或恢复码")] = "",
    new_password: Annotated[
        str, Form(max_length=256, description="管理员重置密码后首次登录：自己的新密码")
    ] = "",
) -> dict[str, Any]:
    result = signin.sign_in(
        session=session,
        username=form.username,
        password=form.password,
        client=client_of(request),
        settings=settings,
        otp=otp.strip() or None,
        new_password=new_password or None,
    )
    if result.needs == "enrol":
        raise signin.enrolment_required()
    if result.needs == "password":
        raise signin.password_change_required()
    if result.needs == "otp" or result.token is None:
        raise Unauthorized("auth.otp_required", "该账号已启用两步验证，请同时提交动态验证码 (otp)")
    return {
        "access_token": result.token,
        "token_type": "bearer",
        "expires_in": settings.token_ttl_minutes * 60,
        "idle_timeout": settings.session_idle_minutes * 60,
    }


@router.post("/auth/logout")
def logout(request: Request, user: CurrentUser, session: SessionDep) -> dict[str, bool]:
    """End the session of this token (the console's cookie, if it is one, too)."""
    signin.sign_out(session=session, session_id=user.session_id, client=client_of(request))
    return {"ended": True}


@router.get("/auth/me")
def me(user: CurrentUser, settings: SettingsDep) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": ROLE_LABELS[Role(user.role)],
        "unit": user.unit_code,
        "two_factor_required": user.role in settings.two_factor_roles,
        "password_rules": rules_of(settings).describe(),
    }


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


@router.post("/auth/password")
def change_password(
    request: Request,
    body: PasswordChange,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """修改密码. Every session of the user ends, this one too: sign in again."""
    users.change_own_password(
        session=session,
        user_id=user.id,
        current=body.current_password,
        new=body.new_password,
        client=client_of(request),
        settings=settings,
    )
    return {"changed": True, "sessions_ended": True}


# ------------------------------------------------------------------ two-factor sign-in


def _enrol_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="hotline-2fa-enrol")


@router.post("/auth/2fa/setup")
def two_factor_setup(user: CurrentUser, settings: SettingsDep) -> dict[str, Any]:
    """A new secret to add to an authenticator app; ``/auth/2fa/enable`` confirms it."""
    secret = two_factor.new_secret()
    return {
        "secret": secret,
        "otpauth_uri": two_factor.provisioning_uri(secret, user.username),
        "enrol_token": _enrol_serializer(settings).dumps({"u": user.id, "s": secret}),
        "expires_in": ENROL_SECONDS,
    }


class EnableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enrol_token: str = Field(max_length=500)
    code: str = Field(max_length=32)


@router.post("/auth/2fa/enable")
def two_factor_enable(
    request: Request, body: EnableIn, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Turn on 2FA with a code from the app; the answer holds the recovery codes, once."""
    try:
        data = _enrol_serializer(settings).loads(body.enrol_token, max_age=ENROL_SECONDS)
    except BadSignature as exc:
        raise Invalid("auth.enrol_expired", "绑定已超时，请重新开始") from exc
    if not isinstance(data, dict) or data.get("u") != user.id:
        raise Invalid("auth.enrol_expired", "绑定已超时，请重新开始")
    codes = users.turn_on_two_factor(
        session=session,
        user_id=user.id,
        secret=str(data.get("s")),
        code=body.code,
        client=client_of(request),
    )
    return {"enabled": True, "recovery_codes": codes}


class DisableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=256)
    code: str = Field(max_length=32)


@router.post("/auth/2fa/disable")
def two_factor_disable(
    request: Request,
    body: DisableIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Turn off 2FA (password and a code); not for roles that require it. Sessions end."""
    users.turn_off_two_factor(
        session=session,
        user_id=user.id,
        password=body.password,
        code=body.code,
        client=client_of(request),
        settings=settings,
    )
    return {"enabled": False, "sessions_ended": True}


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=32)


@router.post("/auth/2fa/recovery-codes")
def two_factor_recovery_codes(
    request: Request, body: CodeIn, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """New recovery codes (the old ones stop working), after a current code."""
    codes = users.renew_recovery_codes(
        session=session, user_id=user.id, code=body.code, client=client_of(request)
    )
    return {"recovery_codes": codes}
