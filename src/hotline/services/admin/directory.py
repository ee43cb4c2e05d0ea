"""The directory of handling units and the category tree, shipped as package data."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.services.admin import rules
from hotline.store.models import Category, Unit, User

UNIT_KIND_LABELS = {
    "street": "街道",
    "town": "镇",
    "department": "区直部门",
    "utility": "公共事业单位",
}
TERRITORIAL_KINDS = frozenset({"street", "town"})


@dataclass(frozen=True)
class UnitEntry:
    code: str
    name: str
    kind: str
    short: str

    @property
    def group(self) -> str:
        """Assessment group: territorial (镇街) or department (部门)."""
        return "territorial" if self.kind in TERRITORIAL_KINDS else "department"


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("hotline.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def baiyun_units() -> list[UnitEntry]:
    """The default directory of Baiyun District (domain.md §5)."""
    return [UnitEntry(r["code"], r["name"], r["kind"], r["short"]) for r in _read_csv("units.csv")]


def category_paths() -> list[tuple[str, ...]]:
    """The starting category tree: level1/level2/level3 paths."""
    return [
        tuple(v for v in (r["level1"], r["level2"], r["level3"]) if v)
        for r in _read_csv("categories.csv")
    ]


def seed_directory(session: Session) -> int:
    """Insert the default units and categories that are missing; returns units added."""
    known = set(session.scalars(select(Unit.code)))
    added = 0
    for entry in baiyun_units():
        if entry.code not in known:
            session.add(
                Unit(
                    code=entry.code,
                    name=entry.name,
                    kind=entry.kind,
                    short=entry.short,
                    active=True,
                )
            )
            added += 1
    _seed_categories(session)
    session.commit()
    rules.invalidate()
    UNIT_NAMES.forget(session, "names")
    return added


def _seed_categories(session: Session) -> None:
    ids = {path: id_ for path, id_ in session.execute(select(Category.path, Category.id))}
    for path in category_paths():
        for level in range(1, len(path) + 1):
            key = "/".join(path[:level])
            if key in ids:
                continue
            parent = ids.get("/".join(path[: level - 1])) if level > 1 else None
            row = Category(parent_id=parent, name=path[level - 1], path=key, level=level)
            session.add(row)
            session.flush()
            ids[key] = row.id


def category_code(path: str) -> str:
    """A category's stable code (分类编码): the first 8 hex digits of the SHA-256 of its
    path (``城乡建设/安全生产/事故处理``), the same in every database whatever order the
    categories were added in. Open311 names its services by the same codes."""
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class CategoryLeaf:
    """A leaf of the category tree, as the intake's picker lists it."""

    code: str
    path: str

    @property
    def label(self) -> str:
        return " › ".join(self.path.split("/"))


#: The category tree's leaves per database, re-read every minute (an admin may add some).
CATEGORIES: Cache[list[CategoryLeaf]] = Cache("category leaves", ttl=60.0)


def category_leaves(session: Session) -> list[CategoryLeaf]:
    """The leaves of the category tree (事项分类) in the tree's order, with their codes."""
    return CATEGORIES.get(session, "leaves", lambda: _leaves(session))


def _leaves(session: Session) -> list[CategoryLeaf]:
    paths = sorted(session.scalars(select(Category.path)))
    parents = {path.rsplit("/", 1)[0] for path in paths if "/" in path}
    return [CategoryLeaf(category_code(p), p) for p in paths if p not in parents]


def list_units(session: Session, *, include_inactive: bool = False) -> list[Unit]:
    query = select(Unit).order_by(Unit.kind.desc(), Unit.code)
    if not include_inactive:
        query = query.where(Unit.active.is_(True))
    return list(session.scalars(query))


#: Unit code → name per database, re-read every minute (the directory changes rarely).
UNIT_NAMES: Cache[dict[str, str]] = Cache("unit names", ttl=60.0)


def unit_names(session: Session) -> dict[str, str]:
    """Unit code → name, cached for a minute (:data:`UNIT_NAMES`)."""
    names = UNIT_NAMES.get(session, "names", lambda: _all_names(session))
    if not names:  # a directory not seeded yet is read again next time
        UNIT_NAMES.forget(session, "names")
    return names


def _all_names(session: Session) -> dict[str, str]:
    return {u.code: u.name for u in list_units(session, include_inactive=True)}


#: User name → the person's name per database, re-read every minute.
PEOPLE: Cache[dict[str, str]] = Cache("people", ttl=60.0)


def people_names(session: Session) -> dict[str, str]:
    """User name → the person's display name (王敏), cached for a minute (:data:`PEOPLE`).
    Screens show people by name, never by the name they log in with."""
    return PEOPLE.get(session, "people", lambda: _people(session))


def _people(session: Session) -> dict[str, str]:
    rows = session.execute(select(User.username, User.display_name))
    return {username: name for username, name in rows if name and name != username}


def person(
    names: dict[str, str], units: dict[str, str], username: str, role: str, unit: str | None
) -> str:
    """How a screen names who did something: the person's name, else their unit's name,
    else their role; never a user name."""
    from hotline.domain.tickets import ROLE_LABELS, Role

    if username in names:
        return names[username]
    if unit:
        return units.get(unit, "承办单位")
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return "工作人员"
