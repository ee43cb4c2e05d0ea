"""The past replies the knowledge base may offer (相似历史答复): which, kept where, when read.

**Which.** An answer given on the spot (直接办结), and a handling unit's reply that the
dispatcher approved (审核通过) and whose callback did not find the caller unsatisfied.
Never a reply the dispatcher sent back (审核退回), nor the reply of a ticket judged
unsatisfied, nor one whose ticket was reopened (重办: the answer did not hold; it is
taken back when the reopen is read). They are found from the history:
``close_at_intake`` events, ``callback`` events with the reply approved before them, and
``reopen`` events.

**Kept.** :class:`~hotline.intel.knowledge.ReplyHistory` (sanitised, deduplicated, at most
:data:`MAX_ENTRIES`; a first build reads the last :data:`HISTORY_DAYS` days) and the BM25
index of its entries, per database: in memory (:data:`HISTORY`) and on disk
(``data_dir/knowledge/history-<database>.pkl``) with the id of the last event read, so a
restart reads only the events since.

**When.** At start-up (:func:`warm`: a serving worker before it takes requests), and then
at most every :data:`REFRESH` seconds: in the request for the API (``wait=True``), in a
background thread for the live console. A first build of more than
:data:`BUILD_AT_START` events never runs in a request: it runs in a background thread
while articles answer. The jobs worker keeps the file current (:func:`keep_on_disk`,
the ``knowledge_history`` job), so a worker starting loads it and reads the few events
since.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.cache import Cache, pool_of
from hotline.clock import now_local
from hotline.intel.difficulty import load_model, save_model
from hotline.intel.knowledge import KnowledgeBase, ReplyHistory
from hotline.store.db import settings_of, sibling_session
from hotline.store.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

FORMAT = "hotline.knowledge_history"
VERSION = 2
REFRESH = 60.0
"""Seconds between two looks for new answers."""
HISTORY_DAYS = 730
"""How far back a first build reads."""
MAX_ENTRIES = 50_000
"""Distinct past answers kept (the most recent)."""
BATCH = 5_000
"""Events read per statement."""
BUILD_AT_START = 50_000
"""At most this many events to read for a first build at start-up (about 12 s of CPU);
more, and the first build runs in a background thread while the worker serves (articles
answer meanwhile), and saves its file for the next start."""
_READ = ("close_at_intake", "callback", "reopen")
_REVIEW = ("reply", "approve_reply", "reject_reply", "callback", "reopen")


@dataclass
class HeldHistory:
    """One database's past answers, their index, and where the reading stopped."""

    history: ReplyHistory
    index: KnowledgeBase
    last_event: int = 0
    last_event_at: datetime | None = None
    terms: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    checked: float = 0.0  # cache clock, when the database was last looked at


#: Per database (connection pool): its :class:`HeldHistory`.
HISTORY: Cache[HeldHistory] = Cache("knowledge history", ttl=None, max_entries=4)
_busy: set[Any] = set()  # pools whose history is being read in a background thread
_lock = threading.Lock()
_read_lock = threading.Lock()


def history_path(session: Session, data_dir: Path | None = None) -> Path:
    """Where a database's past answers are saved (one file per database URL)."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    digest = hashlib.blake2b(url.encode(), digest_size=8).hexdigest()
    return (data_dir or settings_of(session).data_dir) / "knowledge" / f"history-{digest}.pkl"


def history_index(
    session: Session, *, wait: bool = True, data_dir: Path | None = None
) -> KnowledgeBase | None:
    """The index of past answers. ``wait``: read what is missing now (load or build, then
    new events at most every :data:`REFRESH` s); else in a background thread, and None
    until the first reading is done."""
    held = HISTORY.peek(session, "history", None)
    stale = held is None or HISTORY.now() - held.checked >= REFRESH
    if stale and wait and held is None and not _loadable(session, data_dir):
        wait = _to_read(session) <= BUILD_AT_START  # a long first build never in a request
    if stale and wait:
        held = _read(session, data_dir)
    elif stale:
        _read_in_background(session, data_dir)
    return None if held is None else held.index


def keep_on_disk(session: Session, data_dir: Path | None = None) -> dict[str, Any]:
    """The jobs worker's part: bring the saved past answers up to date with the events
    since (the first time, read them all), so that a worker starting, or emptying its
    memory, loads them from the file at once and reads only the few events since. The
    jobs worker does not keep them in memory."""
    started = time.perf_counter()
    path = history_path(session, data_dir)
    with _file_lock(path):
        held = _load(session, data_dir) or _empty()
        read = catch_up(session, held)
        if read:
            _save(path, held)
    return {
        "entries": len(held.history.entries_),
        "read": read,
        "seconds": round(time.perf_counter() - started, 3),
    }


def ready(session: Session) -> bool:
    """Whether this database's past answers are in memory."""
    return HISTORY.peek(session, "history", None) is not None


def warm(session: Session, data_dir: Path | None = None) -> dict[str, Any]:
    """Load (or build) the past answers before serving; what was done and how long it took.
    Workers starting together take turns (a lock file), so the first builds and saves and
    the others load its file."""
    started = time.perf_counter()
    loaded = None
    with _file_lock(history_path(session, data_dir)):
        if HISTORY.peek(session, "history", None) is None:
            loaded = _load(session, data_dir)
            if loaded is not None:
                HISTORY.put(session, "history", loaded)
            elif _to_read(session) > BUILD_AT_START:
                _read_in_background(session, data_dir)
                return {"entries": 0, "from_file": False, "in_background": True, "seconds": 0.0}
        held = _read(session, data_dir)
    return {
        "entries": len(held.history.entries_),
        "from_file": loaded is not None,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _read(session: Session, data_dir: Path | None) -> HeldHistory:
    """The held history, loaded from its file when not in memory, with the new events (one
    reading at a time in a process)."""
    with _read_lock:
        held = HISTORY.peek(session, "history", None) or _load(session, data_dir) or _empty()
        if catch_up(session, held):
            _save(history_path(session, data_dir), held)
        held.checked = HISTORY.now()
        HISTORY.put(session, "history", held)
    return held


def _to_read(session: Session, now: datetime | None = None) -> int:
    """How many events a first build would read."""
    since = (now or now_local()) - timedelta(days=HISTORY_DAYS)
    query = select(func.count()).where(TicketEvent.action.in_(_READ), TicketEvent.at >= since)
    return int(session.scalar(query) or 0)


def _empty() -> HeldHistory:
    history = ReplyHistory(MAX_ENTRIES)
    return HeldHistory(history, KnowledgeBase().fit([]))


def _read_in_background(session: Session, data_dir: Path | None) -> None:
    bind = session.get_bind()
    pool = pool_of(bind)
    with _lock:
        if pool in _busy:
            return
        _busy.add(pool)
    own_session = sibling_session(session)

    def run() -> None:
        try:
            with own_session as own, _file_lock(history_path(own, data_dir)):
                _read(own, data_dir)  # workers of one server take turns: one builds
        except Exception:  # noqa: BLE001 - a background job logs, it cannot raise to anyone
            log.exception("reading the past answers failed")
        finally:
            with _lock:
                _busy.discard(pool)

    threading.Thread(target=run, name="knowledge-history", daemon=True).start()


# ------------------------------------------------------------------ on disk


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``'s lock file between processes (none where the system
    has no ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _loadable(session: Session, data_dir: Path | None) -> bool:
    """Whether a saved file may spare a first build (checked when it is loaded)."""
    return history_path(session, data_dir).exists()


def _load(session: Session, data_dir: Path | None) -> HeldHistory | None:
    """The saved history, if it was read from this database (its last event is there)."""
    path = history_path(session, data_dir)
    if not path.exists():
        return None
    try:
        held: HeldHistory = load_model(path, FORMAT, VERSION)
    except (OSError, ValueError, EOFError, AttributeError, ImportError) as exc:
        log.warning("past answers at %s unusable, read again: %s", path, exc)
        return None
    if held.last_event:
        at = session.scalar(select(TicketEvent.at).where(TicketEvent.id == held.last_event))
        if at != held.last_event_at:  # another database, or restored from a backup
            log.warning("past answers at %s belong to another history, read again", path)
            return None
    return held


def _save(path: Path, held: HeldHistory) -> None:
    summary = {"entries": len(held.history.entries_), "last_event": held.last_event}
    try:
        save_model(held, path, FORMAT, VERSION, summary)
    except OSError as exc:  # a read-only disk costs a full read at the next start, no more
        log.warning("past answers not saved to %s: %s", path, exc)


# ------------------------------------------------------------------ reading the history


def catch_up(session: Session, held: HeldHistory, now: datetime | None = None) -> bool:
    """Add the answers of the events after ``held.last_event`` (a first reading: of the last
    :data:`HISTORY_DAYS` days) and refit the index; True when anything was read."""
    since = (now or now_local()) - timedelta(days=HISTORY_DAYS)
    read = False
    while True:
        query = (
            select(
                TicketEvent.id, TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.action,
                TicketEvent.at, TicketEvent.data, Ticket.content,
            )
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.id > held.last_event, TicketEvent.action.in_(_READ))
            .order_by(TicketEvent.id)
            .limit(BATCH)
        )  # fmt: skip
        if not held.last_event:
            query = query.where(TicketEvent.at >= since)
        rows = session.execute(query).all()
        if not rows:
            break
        _add(session, held.history, rows)
        held.last_event, held.last_event_at = rows[-1].id, rows[-1].at
        read = True
    if read:
        held.index = KnowledgeBase().fit(held.history.articles(), terms=held.terms)
    return read


def _add(session: Session, history: ReplyHistory, rows: Iterable[Any]) -> None:
    """Add the answers of ``rows`` (in the order they happened) and take back those of the
    tickets reopened."""
    rows = list(rows)
    reviews = review_events(session, {r.ticket_id for r in rows if r.action != "close_at_intake"})
    for row in rows:
        data = row.data or {}
        if row.action == "close_at_intake":
            history.add(row.content, data.get("answer"), row.at.date())
        elif row.action == "callback":
            offered = standing_answer(reviews.get(row.ticket_id, []), row.seq + 1)
            if offered:
                history.add(row.content, offered, row.at.date())
        else:  # reopen: the answer it stood for did not hold
            offered = standing_answer(reviews.get(row.ticket_id, []), row.seq)
            if offered:
                history.withdraw(offered)


def review_events(session: Session, ticket_ids: set[int]) -> dict[int, list[tuple[Any, ...]]]:
    """Each ticket's replies, reviews, callbacks and reopens, in order."""
    out: dict[int, list[tuple[Any, ...]]] = {}
    ids = sorted(ticket_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for ticket_id, seq, action, data in session.execute(
            select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.action, TicketEvent.data)
            .where(TicketEvent.ticket_id.in_(chunk), TicketEvent.action.in_(_REVIEW))
            .order_by(TicketEvent.ticket_id, TicketEvent.seq)
        ):
            out.setdefault(ticket_id, []).append((seq, action, data or {}))
    return out


def standing_answer(events: list[tuple[Any, ...]], before: int) -> str | None:
    """The reply a ticket stood for just before event ``before``: the last reply approved
    (审核通过; one sent back, 审核退回, never is) whose callback did not find the caller
    unsatisfied, unless the ticket was reopened since."""
    pending: str | None = None
    approved: str | None = None
    standing: str | None = None
    for seq, action, data in events:
        if seq >= before:
            break
        if action == "reply":
            pending = str(data.get("content") or "") or None
        elif action == "approve_reply":
            approved = pending
        elif action == "reject_reply":
            pending = None
        elif action == "callback":
            kept = data.get("reached") is False or data.get("satisfaction") != "unsatisfied"
            standing = approved if kept else None
        else:  # reopen
            standing = None
    return standing
