"""The hotline's category tree (事项分类) as Open311 services.

Each leaf of the tree is a service. Its code is the first 8 hex digits of the SHA-256 of
its path (``城乡建设/安全生产/事故处理``): the same in every database and for as long as
the path stays, whatever order the categories were added in. Its group is the first
level; a leaf whose name repeats within its group (``其他``) is named with its parent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.domain.tickets import TYPE_LABELS, TicketType
from hotline.services.admin.directory import category_code
from hotline.services.integration.open311_input import DEFAULT_TYPE, Open311Error
from hotline.store.models import Category


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    path: str
    group: str
    keywords: str

    @property
    def description(self) -> str:
        return " > ".join(self.path.split("/"))


def service_code(path: str) -> str:
    return category_code(path)


#: The services of a database, read again every minute (an admin may add categories).
SERVICES: Cache[dict[str, Service]] = Cache("open311 services", ttl=60.0)


def services(session: Session) -> dict[str, Service]:
    """Code → service, in the tree's order (group, then path)."""
    return SERVICES.get(session, "services", lambda: _read(session))


def service(session: Session, code: str) -> Service:
    found = services(session).get(code)
    if found is None:
        raise Open311Error(
            404,
            "open311.service_not_found",
            f"没有代码为 {code[:16]} 的服务 (service_code not found)",
        )
    return found


def _read(session: Session) -> dict[str, Service]:
    paths = sorted(session.scalars(select(Category.path)))
    parents = {path.rsplit("/", 1)[0] for path in paths if "/" in path}
    leaves = [path.split("/") for path in paths if path not in parents and "/" in path]
    repeated = Counter((parts[0], parts[-1]) for parts in leaves)
    found: dict[str, Service] = {}
    for parts in leaves:
        path = "/".join(parts)
        name = parts[-1]
        if repeated[(parts[0], name)] > 1:
            name = f"{parts[-2]}·{name}"
        code = service_code(path)
        found[code] = Service(
            code=code, name=name, path=path, group=parts[0], keywords=", ".join(parts[1:])
        )
    return found


def service_public(entry: Service, request_type: str) -> dict[str, Any]:
    """A service as GET services answers it."""
    return {
        "service_code": entry.code,
        "service_name": entry.name,
        "description": entry.description,
        "metadata": True,
        "type": request_type,
        "keywords": entry.keywords,
        "group": entry.group,
    }


def definition(entry: Service) -> dict[str, Any]:
    """The service definition: one optional attribute, the request's type (诉求类型)."""
    values = [{"key": t.value, "name": label} for t, label in TYPE_LABELS.items()]
    return {
        "service_code": entry.code,
        "attributes": [
            {
                "variable": True,
                "code": "type",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": f"诉求类型，不填为{TYPE_LABELS[TicketType(DEFAULT_TYPE)]}",
                "order": 1,
                "description": "诉求类型：咨询、求助、投诉、举报、建议或表扬",
                "values": values,
            }
        ],
    }
