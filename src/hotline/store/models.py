"""The tables. A ticket's history (``ticket_events``) is append-only: rows are never
updated or deleted; the ``tickets`` row is a projection rebuilt from it after each action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hotline.domain.tickets import OPEN_STATUSES
from hotline.store.crypto import Encrypted


def postgresql_only(index: Index) -> Index:
    """An index made on PostgreSQL only (by the migrations and by ``create_all``)."""
    index.info["only_on"] = "postgresql"
    return index.ddl_if(dialect="postgresql")


def schema_filter(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: leaves out what is made elsewhere only."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return obj.info.get("only_on", dialect) == dialect if type_ == "index" else True

    return include


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON}


class Unit(Base):
    """A handling unit (承办单位): town/street, department or utility."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    short: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the unit it was merged into (单位撤并): its matters now go there
    merged_into: Mapped[str | None] = mapped_column(String(40), nullable=True, default=None)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: Lockouts in a row (each one longer than the last); a sign-in or an unlock resets it.
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: Hashes of the previous passwords, newest first (a new one may repeat none of them).
    password_history: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: Two-factor sign-in (TOTP): the shared secret (base32) once enrolment is confirmed.
    totp_secret: Mapped[str | None] = mapped_column(Encrypted("users.totp_secret"), nullable=True)
    #: The last time step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Hashes of the unused recovery codes (each works once).
    recovery_codes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: The password was set by an admin (重置密码): the user chooses their own at the next
    #: sign-in, before a session opens.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class UserSession(Base):
    """One signed-in session (a console cookie or an API token carries its id).

    Ended by signing out, by a password change, a disabled account or a new role or
    unit; it also ends after ``session_idle_minutes`` without a request and after
    ``token_ttl_minutes`` in all (the token's signature carries that time).
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_open", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    client: Mapped[str] = mapped_column(String(64), default="")
    #: ``password`` or ``password+totp`` / ``password+recovery``.
    method: Mapped[str] = mapped_column(String(20), default="password")


class SigninFailures(Base):
    """Failed sign-ins from one client address (a throttle across accounts)."""

    __tablename__ = "signin_failures"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Category(Base):
    """The category tree (事项分类), 2–3 levels."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(300), unique=True)
    level: Mapped[int] = mapped_column(Integer)


_OPEN_SQL = ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES))


class Ticket(Base):
    """A ticket (工单): the current projection of its history plus its intake fields."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_unit", "status", "unit_code"),
        # a list's order (newest first, then id): a page is read from one of these, by
        # status, by unit or unfiltered, without sorting what matches (revision 0007)
        Index("ix_tickets_status_created", "status", "created_at", "id"),
        Index("ix_tickets_unit_created", "unit_code", "created_at", "id"),
        Index("ix_tickets_created", "created_at", "id"),
        Index("ix_tickets_reply_due", "reply_due"),
        # the open tickets in warning, in the supervision board's order (reply deadline
        # first), with what the board shows: the board and the warning scan read these
        # from the index alone, not every open ticket
        Index(
            "ix_tickets_open_warned",
            "reply_due",
            "id",
            "yellow_at",
            "unit_code",
            "number",
            postgresql_where=text("closed_at IS NULL AND yellow_at IS NOT NULL"),
            sqlite_where=text("closed_at IS NULL AND yellow_at IS NOT NULL"),
        ),
        # the same by status (the console's 督办 page and the 大屏's warnings ask for the
        # open statuses): read in deadline order, counted per unit from the index alone
        Index(
            "ix_tickets_open_status_warned",
            "reply_due",
            "id",
            "yellow_at",
            "unit_code",
            postgresql_where=text(f"yellow_at IS NOT NULL AND status IN ({_OPEN_SQL})"),
            sqlite_where=text(f"yellow_at IS NOT NULL AND status IN ({_OPEN_SQL})"),
        ),
        Index("ix_tickets_caller_phone_hash", "caller_phone_hash"),
        Index("ix_tickets_source_number", "source_number", unique=True),
        # the tickets merged into one (its page's 关联工单): few, read by the main ticket
        Index(
            "ix_tickets_merged_into",
            "merged_into",
            postgresql_where=text("merged_into IS NOT NULL"),
            sqlite_where=text("merged_into IS NOT NULL"),
        ),
        # a search (``q``) narrows by the bigrams of content and address (PostgreSQL);
        # rows without them (none once revision 0006 has run) are found through the second
        postgresql_only(
            Index(
                "ix_tickets_search_terms",
                "search_terms",
                postgresql_using="gin",
                postgresql_where=text("search_terms IS NOT NULL"),
            )
        ),
        postgresql_only(
            Index(
                "ix_tickets_search_unindexed",
                "id",
                postgresql_where=text("search_terms IS NULL"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    # the request an idempotency key was first used with (sha256 of the intake's body)
    idempotency_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    # personal data, encrypted at rest (store/crypto.py); the phone is found by its
    # keyed hash, never by the column itself
    caller_name: Mapped[str | None] = mapped_column(Encrypted("tickets.caller_name"), nullable=True)
    caller_phone: Mapped[str | None] = mapped_column(
        Encrypted("tickets.caller_phone"), nullable=True
    )
    caller_phone_hash: Mapped[str | None] = mapped_column(String(48), nullable=True)
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    town: Mapped[str | None] = mapped_column(String(40), nullable=True)
    community: Mapped[str | None] = mapped_column(String(100), nullable=True)
    type: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8))
    category: Mapped[str | None] = mapped_column(String(300), nullable=True)
    title: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: 保密: the caller's name and phone are hidden from units and exports
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: 是否需回复: whether the caller wants to be answered
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: the 恶意来电 flag in force on the caller's phone when the ticket came in (marked,
    #: never dropped)
    caller_flag_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    # projection of the history (rebuilt by services.tickets after every action)
    status: Mapped[str] = mapped_column(String(24))
    unit_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sign_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    return_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reply_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    yellow_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    auto_dispatched: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    # the machine's suggestion at intake (智能转派)
    suggested_unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    suggested_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # the ticket's number in the system it was imported from (原工单号); imported once
    source_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # what a search looks for (hotline.domain.search.bigrams of content and address), kept
    # on PostgreSQL only; never loaded with the ticket
    search_terms: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"), nullable=True, deferred=True
    )

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.seq", lazy="raise"
    )


class TicketCoUnit(Base):
    """A co-handling unit (协办单位) of a ticket's current dispatch: a projection of the
    history (``TicketState.co_units``), read to scope a co-unit's views."""

    __tablename__ = "ticket_co_units"
    __table_args__ = (Index("ix_ticket_co_units_unit", "unit", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(40), primary_key=True)


class CallerFlag(Base):
    """恶意来电: a dispatcher proposes to flag a phone number, a supervisor approves or
    rejects it; an approved flag marks the number's new tickets until its end date."""

    __tablename__ = "caller_flags"
    __table_args__ = (Index("ix_caller_flags_phone_hash", "phone_hash", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(Encrypted("caller_flags.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(48), nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
    until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # proposed | approved | rejected | lifted
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class TicketEvent(Base):
    """One entry of a ticket's history (append-only)."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_seq"),
        Index("ix_ticket_events_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class DispatchRecordRow(Base):
    """One holding of a ticket by a unit, for the assessment (rebuilt from the history).

    Columns mirror :class:`hotline.domain.assessment.DispatchRecord`."""

    __tablename__ = "dispatch_records"
    __table_args__ = (
        Index("ix_dispatch_records_unit", "unit"),
        Index("ix_dispatch_records_dispatched", "dispatched_at"),
        Index("ix_dispatch_records_reply_due", "reply_due"),
        Index("ix_dispatch_records_replied", "replied_at"),
        Index("ix_dispatch_records_callback", "callback_at"),
        Index("ix_dispatch_records_closed", "closed_at"),
        Index("ix_dispatch_records_return", "return_requested_at"),
        Index("ix_dispatch_records_ended", "ended_at"),
        Index("ix_dispatch_records_reopen_due", "reopen_due"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    dispatched_at: Mapped[datetime] = mapped_column(DateTime)
    auto: Mapped[bool] = mapped_column(Boolean)
    sign_due: Mapped[datetime] = mapped_column(DateTime)
    return_due: Mapped[datetime] = mapped_column(DateTime)
    reply_due: Mapped[datetime] = mapped_column(DateTime)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    return_requested_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    return_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    return_rejections: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    left_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    callback_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reached: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    satisfaction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    reopen_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reopen_replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    urged_at: Mapped[list[str]] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    handling_workdays: Mapped[float | None] = mapped_column(Float, nullable=True)
    co_handling: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the ticket's category path: which kind of matter (行政执法, 调解) the holding was
    category: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # when the record stopped counting (the earlier of left_at and closed_at); NULL
    # while it runs — lets a period's assessment read only the records it needs
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TicketNumberCounter(Base):
    """The daily sequence behind readable ticket numbers (BY + date + sequence)."""

    __tablename__ = "ticket_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class CalendarOverride(Base):
    """Admin-maintained holidays and 调休 working days (wins over the package)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(50), default="")


class Setting(Base):
    """Deployment settings editable in the app (e.g. dispatch threshold, limit rules)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class Notification(Base):
    """In-app notification (warnings, urgings, reminders) for a unit or a role."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_target", "target_unit", "target_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    target_unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    target_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(500))
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEntry(Base):
    """Who did or saw what, when, from where (安全审计): never edited. Each entry carries
    the hash of the one before it (``services/admin/audit.py``)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_username", "username", "id"),
        Index("ix_audit_log_action", "action", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class JobRun(Base):
    """One run of a background job for one time slot; the unique key makes it run once.

    Every worker's scheduler tries to claim ``(job, slot)`` by inserting this row; the
    database lets exactly one insert through, so a job never fires twice across
    workers. A claim whose lease ran out (its worker died) may be taken over.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_runs_job_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    slot: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    worker: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    lease_until: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DifficultyScore(Base):
    """An open ticket's stored difficulty (疑难度): the score the saved model gave it, and when.

    Written by the jobs worker (the ``assist_queue`` drain for changed tickets, the
    ``difficulty_scan`` job for the rest and after a retraining); the difficult list reads
    the highest scores of the current model from here instead of scoring every open ticket
    per request. ``model`` is the version of the model file that scored it; ``unit`` the
    unit the ticket had then (a re-dispatch queues a re-score); ``reasons`` what the list
    says of it; a ticket no longer open loses its row at the next scan."""

    __tablename__ = "difficulty_scores"
    __table_args__ = (
        Index("ix_difficulty_scores_model_score", "model", "score", "ticket_id"),
        Index("ix_difficulty_scores_model_unit_score", "model", "unit", "score", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    alert: Mapped[bool] = mapped_column(Boolean)
    model: Mapped[str] = mapped_column(String(32))
    scored_at: Mapped[datetime] = mapped_column(DateTime)
    reasons: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    """Why the score is high, as the difficult list shows them (none for 低)."""


class HotFindings(Base):
    """热点分析's findings of one window, computed by the jobs worker (``hot_findings``) and
    read by the page: the hot topics and the burst alerts as the analysis gave them.
    ``scope`` is ``""`` for the whole district."""

    __tablename__ = "hot_findings"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    topics: Mapped[list[Any]] = mapped_column(JSON)
    alerts: Mapped[list[Any]] = mapped_column(JSON)


class AssessmentFact(Base):
    """What one unit's dispatch records add to every assessment indicator in one month
    (a :class:`hotline.domain.assessment.Tally`), city-platform records apart; kept
    fresh by the ``assessment_facts`` job (``services/assessment/facts.py``)."""

    __tablename__ = "assessment_facts"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    unit: Mapped[str] = mapped_column(String(40), primary_key=True)
    city: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    # handling times in days, float64 in machine order (array("d")), exact
    days: Mapped[bytes] = mapped_column(LargeBinary)
    workdays: Mapped[bytes] = mapped_column(LargeBinary)
    # deadlines pending when counted, ISO text per kind (sign, reply, reopen)
    pending: Mapped[dict[str, list[str]]] = mapped_column(JSON)


class AssessmentFactMonth(Base):
    """A month whose facts are stored for every unit (``assessment_facts``)."""

    __tablename__ = "assessment_fact_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime)


class AssessmentFactState(Base):
    """How far the ``assessment_facts`` job has read the tickets' history (one row):
    the last event id, the ids below it not yet seen (a transaction still open when
    the job read), and the moment its facts were brought up to date."""

    __tablename__ = "assessment_fact_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    gaps: Mapped[list[Any]] = mapped_column(JSON)
    as_of: Mapped[datetime] = mapped_column(DateTime)


class AssistTask(Base):
    """A ticket changed by a committed intake or action, waiting to be re-assessed.

    Written in the transaction of the change itself (so none is lost and none is queued
    for a change that was rolled back); the ``assist_queue`` job drains it in batches:
    it re-scores the ticket's difficulty, raises the early warning (疑难预警) and, after an
    intake, keeps the machine's type/urgency/category beside the operator's choice.
    """

    __tablename__ = "assist_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    queued_at: Mapped[datetime] = mapped_column(DateTime)


class KnowledgeArticle(Base):
    """A knowledge-base article (知识库) version; a new version never overwrites an old one.

    ``key`` names the article across its versions; the current text is the highest
    ``version`` whose validity (``valid_from`` … ``valid_to``) covers the day asked.
    """

    __tablename__ = "knowledge_articles"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_knowledge_articles_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class ImportBatch(Base):
    """One imported file (导入批次), written in the transaction of its tickets.

    The unique ``digest`` (SHA-256 of the file's bytes) lets a file be imported once:
    a second import of it, even one running at the same moment, is refused.
    ``first_ticket_id`` … ``last_ticket_id`` is the range the batch's tickets fall in.
    """

    __tablename__ = "import_batches"
    __table_args__ = (UniqueConstraint("digest", name="uq_import_batches_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(64))
    first_ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Attachment(Base):
    """A file on a ticket (附件): a photo, a short video, a recording, a PDF. Never edited.

    The bytes are kept apart (``store/blobs.py``), under their SHA-256; this row names
    them for one ticket. ``event_seq`` is the history entry that brought the file (an
    添加附件, or the reply, return or extension request it came with); a ticket carries
    a given file once (``uq_attachments_ticket_sha256``).
    """

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("ticket_id", "sha256", name="uq_attachments_ticket_sha256"),
        Index("ix_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    event_seq: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploader_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FeedEvent(Base):
    """One event of the feed (事件推送): an intake or action of a ticket, written in the
    transaction of the change itself (the outbox), never sent from the request.

    ``ticket`` is the ticket as that transaction left it (the body's ``ticket``); the jobs
    worker fans each event out to the subscriptions (``fanned_out``) and delivers it.
    """

    __tablename__ = "feed_events"
    __table_args__ = (
        Index("ix_feed_events_fanned_out", "fanned_out", "id"),
        Index("ix_feed_events_ticket", "ticket_id", "id"),
        Index("ix_feed_events_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    ticket: Mapped[dict[str, Any]] = mapped_column(JSON)
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False)


class Webhook(Base):
    """A subscription to the event feed: a receiver's URL, the secret that signs each
    delivery, and the event types and channels it takes (empty: all)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WebhookDelivery(Base):
    """One event for one subscription (the delivery log): pending until the receiver
    answers 2xx, retried with backoff, ``dead`` (the dead-letter list) after too many
    failures. Delivered in order per ticket: a ticket's next event waits for this one."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
        Index("ix_webhook_deliveries_queue", "webhook_id", "status", "ticket_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("feed_events.id"))
    ticket_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class WorkerLease(Base):
    """A lease that lets one worker at a time do a continuous task (the webhook delivery):
    held while renewed, taken over by another worker once ``lease_until`` has passed."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    lease_until: Mapped[datetime] = mapped_column(DateTime)


class ApiClient(Base):
    """A system that calls the API with a client key instead of a user's login (the
    municipal 12345 platform pushing tickets). Only the key's SHA-256 is kept; ``scopes``
    says what it may call (``inbound``)."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Open311Key(Base):
    """An API key of an Open311 GeoReport v2 client (``hotline open311 keys``). Only the
    key's SHA-256 is kept; a revoked key (``revoked_at``) is refused. ``per_minute``
    bounds the service requests the client may post in any minute."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Open311Request(Base):
    """A service request posted through Open311, written (and committed) before its
    intake: the ticket it becomes carries ``ticket_key`` as its idempotency key, so the
    request and its ticket are joined on that key (``token`` resolves once the ticket
    exists). What Open311 keeps beside the ticket: the service code, the coordinates,
    the media URL and the client's contact fields that the ticket has no column for."""

    __tablename__ = "open311_requests"
    __table_args__ = (
        Index("ix_open311_requests_key_created", "key_id", "created_at"),
        Index("ix_open311_requests_created", "created_at", "id"),
        Index("ix_open311_requests_media", "media_status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_key: Mapped[str] = mapped_column(String(128), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"))
    service_code: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # the picture at media_url, fetched by the jobs worker (services/integration/open311_media):
    # pending → attached (an attachment of the ticket) or refused (why, in media_note)
    media_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    media_note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    media_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email: Mapped[str | None] = mapped_column(Encrypted("open311_requests.email"), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PortalRequest(Base):
    """A request sent on the citizen portal (市民端), written (and committed) before its
    intake: the ticket it becomes carries ``ticket_key`` as its idempotency key, so the two
    are joined on that key. It keeps what the ticket has no column for: the hash of the
    query code (查询码, salted PBKDF2), whether the caller agreed to publish the answer
    (公开答复) and the text the public board shows (personal data masked), and what the
    per-phone and per-address limits count."""

    __tablename__ = "portal_requests"
    __table_args__ = (
        Index("ix_portal_requests_phone", "phone_hash", "created_at"),
        Index("ix_portal_requests_address", "address_key", "created_at"),
        Index("ix_portal_requests_publish", "publish", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_key: Mapped[str] = mapped_column(String(128), unique=True)
    #: the keyed hash of the caller's phone (store/crypto.py): the per-phone limit counts it
    phone_hash: Mapped[str] = mapped_column(String(48))
    address_key: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str] = mapped_column(String(160))
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    public_content: Mapped[str] = mapped_column(Text)
    public_address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PortalAttempt(Base):
    """A wrong query code or SMS code (猜测), counted per ticket number or phone and per
    client address to throttle guessing; old rows are deleted as new ones come."""

    __tablename__ = "portal_attempts"
    __table_args__ = (
        Index("ix_portal_attempts_subject", "kind", "subject", "at"),
        Index("ix_portal_attempts_client", "kind", "client", "at"),
        Index("ix_portal_attempts_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # code | sms
    subject: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class PortalSmsCode(Base):
    """An SMS verification code sent to a phone before it may submit (when
    ``HOTLINE_PORTAL_SMS_CODE`` is on): its salted hash, used once."""

    __tablename__ = "portal_sms_codes"
    __table_args__ = (Index("ix_portal_sms_codes_phone", "phone_hash", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the keyed hash of the phone (store/crypto.py)
    phone_hash: Mapped[str] = mapped_column(String(48))
    code_hash: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PortalLike(Base):
    """A 点赞 of a published answer: one per ticket and browser (``client`` is the hash of
    the browser's random portal cookie), so a like is never counted twice."""

    __tablename__ = "portal_likes"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
