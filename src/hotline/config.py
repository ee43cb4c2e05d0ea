"""One Settings class: every setting has a default and a help text (env prefix ``HOTLINE_``)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-secret-change-me"
#: Shortest secret key accepted in production (bytes).
MIN_SECRET_BYTES = 32
#: What a key id of ``HOTLINE_DATA_KEYS`` may be.
DATA_KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,16}$")
_MAKE_DATA_KEY = (
    "python -c 'import secrets, base64; print(base64.b64encode(secrets.token_bytes(32)).decode())'"
)


def data_key_bytes(key_id: str, encoded: str) -> bytes:
    """The 32 bytes of one key of ``HOTLINE_DATA_KEYS`` (base64, standard or URL-safe);
    ValueError naming the key when it is not one."""
    if not DATA_KEY_ID.match(key_id):
        raise ValueError(f"HOTLINE_DATA_KEYS: key id {key_id!r} must be 1-16 letters, digits or -")
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError(
            f"HOTLINE_DATA_KEYS: key {key_id!r} must be 32 random bytes in base64 "
            f"(make one with {_MAKE_DATA_KEY})"
        )
    return raw


class Settings(BaseSettings):
    """Runtime configuration, read from the environment (``HOTLINE_*``) or ``.env``."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = Field(
        "development", description="Deployment kind; `production` refuses default secrets."
    )
    database_url: str = Field(
        "", description="SQLAlchemy URL. Empty: SQLite file `hotline.db` under the data dir."
    )
    data_dir: Path = Field(
        Path("var"), description="Folder for the SQLite file, trained models and uploads."
    )
    secret_key: str = Field(
        DEFAULT_SECRET, description="Key that signs API tokens and console sessions."
    )
    data_keys: dict[str, str] = Field(
        {},
        description="Key ring of the personal data stored encrypted (callers' names and "
        "phones, TOTP secrets): JSON object key id → 32 random bytes in base64, e.g. "
        '`{"2026a":"…"}`. The first key encrypts, every key decrypts. Required in '
        "production; elsewhere, when empty, a key derived from the secret key is used.",
    )
    audit_retention_days: int = Field(
        365,
        ge=184,
        description="Days the audit log is kept (at least 184, six months); older entries "
        "are removed by the nightly `audit_prune` job or `hotline audit prune`.",
    )
    token_ttl_minutes: int = Field(
        8 * 60,
        ge=1,
        description="Longest life of a session (console or API token), in minutes, "
        "however active it is (the absolute timeout).",
    )
    session_idle_minutes: int = Field(
        30,
        ge=1,
        description="A session without a request for this many minutes is ended (idle "
        "timeout; measured to about a minute).",
    )
    password_min_length: int = Field(10, ge=8, le=128, description="Shortest password allowed.")
    password_min_classes: int = Field(
        3,
        ge=1,
        le=4,
        description="Kinds of characters a password must mix, of four: lower-case letters, "
        "capitals, digits, other signs.",
    )
    password_history: int = Field(
        5,
        ge=0,
        le=24,
        description="A new password may not be one of the user's last N passwords (0: no check).",
    )
    two_factor_roles: list[str] = Field(
        ["admin"],
        description="Roles that must sign in with a second factor (TOTP); JSON list, e.g. "
        '`["admin","leader"]`. Other users may turn it on for themselves.',
    )
    signin_max_failures: int = Field(
        5,
        ge=1,
        description="Wrong passwords (or codes) in a row after which an account is locked "
        "for a while.",
    )
    signin_lockout_minutes: float = Field(
        1.0,
        gt=0,
        description="First lockout of an account, in minutes; each further lockout in a "
        "row doubles it, up to `HOTLINE_SIGNIN_LOCKOUT_MAX_MINUTES`.",
    )
    signin_lockout_max_minutes: float = Field(
        15.0, gt=0, description="Longest lockout of an account, in minutes."
    )
    signin_address_max_failures: int = Field(
        20,
        ge=1,
        description="Failed sign-ins from one client address (any accounts) after which "
        "that address must wait (429) until the window ends.",
    )
    signin_address_window_minutes: float = Field(
        15.0, gt=0, description="Window of `HOTLINE_SIGNIN_ADDRESS_MAX_FAILURES`, in minutes."
    )
    api_docs: bool = Field(
        True,
        description="Serve the interactive API docs `/docs` and the schema `/openapi.json` "
        "(turn off in production if they should not be public).",
    )
    district_prefix: str = Field(
        "BY", description="Prefix of ticket numbers (BY = 白云), e.g. BY20261127000123."
    )
    auto_dispatch: bool = Field(
        True, description="Let the promoted dispatch model dispatch confident tickets at intake."
    )
    holiday_reminder_from: str = Field(
        "11-01",
        pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        description="Month-day (MM-DD) from which admins see a banner while next year's "
        "holiday schedule (节假日与调休) is not entered.",
    )
    dispatch_threshold: float | None = Field(
        None,
        description="Override of the confidence threshold for automatic dispatch "
        "(default: the threshold stored in the promoted model).",
    )
    argon2_time_cost: int = Field(3, description="Argon2 password hashing: iterations.")
    argon2_memory_kib: int = Field(65536, description="Argon2 password hashing: memory (KiB).")
    log_json: bool = Field(
        False, description="Write logs as JSON lines with request ids (for log collectors)."
    )
    timezone: str = Field(
        "Asia/Shanghai", description="Zone of the hotline's local time (deadlines, reports)."
    )
    max_body_bytes: int = Field(
        256 * 1024, description="Largest accepted request body (bytes); larger gets 413."
    )
    jobs_interval_seconds: float = Field(
        30.0, description="How often the jobs worker (`hotline jobs run`) looks for due jobs."
    )
    assist_queue_duty: float = Field(
        0.25,
        gt=0,
        le=1,
        description="Share of the time the re-assessment job (`assist_queue`) may be busy: "
        "it pauses between batches so that requests never wait for a long drain (1: no pause).",
    )
    train_max_tickets: int = Field(
        30000,
        ge=0,
        description="At most this many tickets train each model (dispatch, intake hints, "
        "difficulty): a recency-weighted sample with every class kept; 0: the whole history.",
    )
    train_half_life_days: float = Field(
        180.0,
        gt=0,
        description="Age at which a ticket is half as likely to be drawn into the training "
        "sample as the newest one.",
    )
    list_total_ttl_seconds: float = Field(
        10.0,
        ge=0,
        description="How long a worker reuses a ticket list's total for the same viewer scope "
        "and filter (the rows are always fresh; a page that is not full is never counted). "
        "0: count on every page.",
    )
    reminder_sender: str = Field(
        "log",
        description="Where reminders and digests go outside the app: `log` (the demo: the log) "
        "or `module:factory` returning a sender with `send(unit, message)` (SMS, e-mail).",
    )
    attachment_storage: Literal["file", "s3"] = Field(
        "file",
        description="Where attachments' bytes are kept: `file` (under the data dir, "
        "`attachments/`) or `s3` (an S3-compatible bucket, `HOTLINE_S3_*`).",
    )
    attachment_max_bytes: int = Field(
        50 * 1024 * 1024, ge=1, description="Largest attachment (one file), in bytes; 413 beyond."
    )
    ticket_attachments_max_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1,
        description="Largest total size of one ticket's attachments, in bytes; 413 beyond.",
    )
    ticket_attachments_max_files: int = Field(
        30, ge=1, description="Most attachments one ticket may carry; 413 beyond."
    )
    s3_endpoint_url: str = Field(
        "", description="S3-compatible server of the attachments (e.g. http://minio:9000)."
    )
    s3_bucket: str = Field("hotline-attachments", description="Bucket of the attachments.")
    s3_region: str = Field("us-east-1", description="Region name sent to the S3 server.")
    s3_access_key_id: str = Field("", description="Access key of the attachments' bucket.")
    s3_secret_access_key: str = Field("", description="Secret key of the attachments' bucket.")
    webhook_poll_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often the jobs worker looks for new events to deliver to the "
        "webhooks (a live receiver gets an event about this long after its commit).",
    )
    webhook_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=120,
        description="How long a webhook receiver may take to answer one delivery "
        "(connect and response); longer counts as a failed attempt.",
    )
    webhook_max_attempts: int = Field(
        20,
        ge=1,
        description="Failed attempts after which a delivery goes to the dead-letter list "
        "(`hotline webhooks dead`; `hotline webhooks replay` sends it again).",
    )
    webhook_retry_base_seconds: float = Field(
        2.0,
        gt=0,
        description="Wait after a delivery's first failed attempt; doubled after each "
        "further failure (exponential backoff), up to `HOTLINE_WEBHOOK_RETRY_MAX_SECONDS`.",
    )
    webhook_retry_max_seconds: float = Field(
        3600.0, gt=0, description="Longest wait between two attempts of one delivery."
    )
    feed_keep_days: int = Field(
        30,
        ge=1,
        description="Days the event feed keeps its events and finished deliveries (the "
        "window of `hotline webhooks replay --since`); dead letters are kept.",
    )
    open311_request_type: Literal["realtime", "batch"] = Field(
        "realtime",
        description="How an Open311 POST answers (the services' `type`): `realtime` with the "
        "ticket number (`service_request_id`), `batch` with a `token` that "
        "`/open311/v2/tokens/{token}` turns into the number.",
    )

    portal_phone_limit: int = Field(
        5,
        ge=1,
        description="Requests one mobile number may send on the citizen portal (`/m/`) within "
        "`HOTLINE_PORTAL_LIMIT_WINDOW_HOURS`; more are refused (429) with a message.",
    )
    portal_address_limit: int = Field(
        10,
        ge=1,
        description="Requests about one address (width, case, spaces and punctuation "
        "ignored) the citizen portal takes within `HOTLINE_PORTAL_LIMIT_WINDOW_HOURS`.",
    )
    portal_limit_window_hours: float = Field(
        24.0,
        gt=0,
        description="The window of the citizen portal's per-phone and per-address limits.",
    )
    portal_photos_max: int = Field(
        6, ge=0, le=30, description="Most photos one request on the citizen portal may carry."
    )
    portal_photo_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1,
        description="Largest photo (one file) the citizen portal takes, in bytes; "
        "the request's body may be at most this × `HOTLINE_PORTAL_PHOTOS_MAX` (+ the form).",
    )
    portal_code_failures: int = Field(
        5,
        ge=1,
        description="Wrong query codes (查询码) for one ticket number within 15 minutes after "
        "which that number is not looked up for the rest of the 15 minutes.",
    )
    portal_client_failures: int = Field(
        30,
        ge=1,
        description="Wrong query or SMS codes from one client address within an hour after "
        "which it may not try any more codes for the rest of the hour.",
    )
    portal_form_ttl_minutes: int = Field(
        240,
        ge=5,
        description="How long a citizen-portal form (its signed form token) may be sent "
        "after it was shown; an older one is shown again, filled in, to send once more.",
    )
    portal_sms_code: bool = Field(
        False,
        description="Ask for an SMS code (验证码) sent to the caller's mobile before a portal "
        "request is taken; sent through `HOTLINE_REMINDER_SENDER`'s `send(phone, message)`.",
    )

    @field_validator("two_factor_roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        known = {"operator", "dispatcher", "unit", "supervisor", "leader", "admin"}
        unknown = sorted(set(roles) - known)
        if unknown:
            raise ValueError(f"HOTLINE_TWO_FACTOR_ROLES names unknown roles: {unknown}")
        return roles

    @field_validator("data_keys")
    @classmethod
    def _well_formed_keys(cls, keys: dict[str, str]) -> dict[str, str]:
        for key_id, encoded in keys.items():
            data_key_bytes(key_id, encoded)
        return keys

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "HOTLINE_SECRET_KEY must be set to a random value when HOTLINE_ENV=production"
            )
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"HOTLINE_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long when "
                "HOTLINE_ENV=production (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _refuse_dev_data_key_in_production(self) -> Settings:
        """Checked after the secret key (a weak secret is named first)."""
        if self.env == "production" and not self.data_keys:
            raise ValueError(
                "HOTLINE_DATA_KEYS must be set when HOTLINE_ENV=production: the key ring "
                'that encrypts personal data, e.g. {"2026a":"<key>"} (make a key with '
                f"{_MAKE_DATA_KEY})"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotline.db').resolve()}"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


def settings_from_environment() -> Settings:
    """The settings a process starts with (``HOTLINE_*`` variables, then ``.env``).

    Read by the entry points only — ``create_app``, the CLI, the benches — which hand
    them on: the app's sessions carry them (``store.db.settings_of``), so no layer
    below reads the environment or a process-wide copy of it.
    """
    return Settings()
