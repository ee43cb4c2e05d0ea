"""The console's navigation: which pages each role sees, and who may open them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.domain.tickets import Role

if TYPE_CHECKING:
    from hotline.web.auth import Viewer

R = Role


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    href: str
    roles: frozenset[Role]
    in_menu: bool = True  # False: reached from another page, not from the header


PAGES: list[Page] = [
    Page("intake", "受理", "/intake", frozenset({R.OPERATOR, R.DISPATCHER, R.ADMIN})),
    Page("dispatch", "派单", "/dispatch", frozenset({R.DISPATCHER, R.ADMIN})),
    Page("inbox", "本单位工单", "/inbox", frozenset({R.UNIT})),
    Page("tickets", "工单查询", "/tickets", frozenset(Role) - {R.SYSTEM}),
    Page(
        "supervise",
        "督办",
        "/supervise",
        frozenset({R.SUPERVISOR, R.DISPATCHER, R.LEADER, R.ADMIN}),
    ),
    Page(
        "analysis",
        "热点分析",
        "/analysis",
        frozenset({R.SUPERVISOR, R.DISPATCHER, R.LEADER, R.ADMIN, R.UNIT}),  # a unit: its own
    ),
    Page(
        "assessment",
        "考核",
        "/assessment",
        frozenset({R.SUPERVISOR, R.LEADER, R.ADMIN, R.UNIT}),  # a unit: its own figures
    ),
    Page("dashboard", "数据大屏", "/dashboard", frozenset(Role) - {R.SYSTEM}),
    Page("users", "用户管理", "/admin/users", frozenset({R.ADMIN})),
    Page("audit", "审计日志", "/admin/audit", frozenset({R.ADMIN})),
    # 承办单位, 节假日与调休, 办理时限: reached from the admin pages' tabs (ADMIN_TABS)
    Page("units", "承办单位", "/admin/units", frozenset({R.ADMIN}), in_menu=False),
    Page("calendar", "节假日与调休", "/admin/calendar", frozenset({R.ADMIN}), in_menu=False),
    Page("limits", "办理时限", "/admin/limits", frozenset({R.ADMIN}), in_menu=False),
    # 恶意来电标记: proposed by dispatchers, approved by supervisors (linked from 督办)
    Page(
        "caller_flags",
        "恶意来电标记",
        "/caller-flags",
        frozenset({R.DISPATCHER, R.SUPERVISOR, R.ADMIN}),
        in_menu=False,
    ),
]
# 管理员: assessment schemes and models, reached from the admin pages' tabs too
PAGES += [
    Page("schemes", "考核方案", "/admin/schemes", frozenset({R.ADMIN}), in_menu=False),
    Page("models", "模型管理", "/admin/models", frozenset({R.ADMIN}), in_menu=False),
]
ROLES_OF = {p.key: p.roles for p in PAGES}
#: The admin pages' tabs (``_admin_tabs.html``), in this order; one key a line.
ADMIN_TABS = (
    "users",
    "units",
    "calendar",
    "limits",
    "schemes",
    "models",
    "audit",
)


def admin_tabs() -> list[Page]:
    by_key = {p.key: p for p in PAGES}
    return [by_key[k] for k in ADMIN_TABS if k in by_key]


def nav_for(viewer: Viewer | None) -> list[Page]:
    if viewer is None:
        return []
    return [p for p in PAGES if p.in_menu and viewer.role in p.roles]


def allow(viewer: Viewer, key: str) -> None:
    """Refuse page ``key`` to the roles that do not see it (403)."""
    from hotline.domain.errors import Forbidden

    if viewer.role not in ROLES_OF[key]:
        raise Forbidden("auth.forbidden", "当前角色无权访问此页面")
