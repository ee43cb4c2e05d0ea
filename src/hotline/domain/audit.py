"""The audit log's chain (安全审计): each entry carries the hash of the one before it, so
an entry edited, removed or slipped in breaks the chain at that place.

Pure functions over plain values; the service (``services/admin/audit.py``) stores the
entries and walks them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The ``prev_hash`` of the first entry ever written.
GENESIS = "0" * 64
#: The action of a pruning's entry: it names the last entry removed (the anchor).
PRUNE = "audit.prune"
#: What each action of the log is called on the audit page (others show as they are).
ACTION_LABELS: dict[str, str] = {
    "caller.view": "查看诉求人信息",
    "ticket.search_phone": "按来电号码查询",
    "export_tickets": "导出工单",
    "export_hot_topics": "导出热点分析",
    "assessment_report": "下载考核报表",
    "attachment.download": "下载附件",
    "knowledge.create": "新建知识库文章",
    "knowledge.version": "修订知识库文章",
    "knowledge.retire": "停用知识库文章",
    "user.create": "新建用户",
    "unit.create": "新建承办单位",
    "unit.update": "修改承办单位",
    "unit.rename": "承办单位改名",
    "unit.disable": "停用承办单位",
    "unit.enable": "启用承办单位",
    "unit.merge": "合并承办单位",
    "calendar.import": "批量录入节假日安排",
    "category.update": "修改事项分类",
    "calendar.set": "设置节假日/调休",
    "calendar.remove": "删除节假日/调休",
    "limits.set": "修改办理时限",
    "dispatch.threshold": "修改派单阈值",
    "setting.set": "修改系统设置",
    "scheme.add": "新增考核方案",
    "model.train": "训练模型",
    "model.promote": "启用模型版本",
    "model.rollback": "回滚模型版本",
    "model.retrain": "启动模型重训",
    "webhook.create": "新增推送订阅",
    "webhook.update": "修改推送订阅",
    "client.create": "新增接口客户端",
    "client.revoke": "停用接口客户端",
    "backup": "备份数据库",
    "restore": "恢复数据库",
    "keys.rotate": "轮换加密密钥",
    PRUNE: "清理超期审计日志",
}
#: The fields an entry's hash covers (with the hash of the entry before it).
FIELDS = ("at", "username", "role", "action", "detail", "client", "request_id")


def canonical(value: Any) -> str:
    """One text for one value: keys sorted, no spaces, non-JSON values as text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def plain_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail as it will be stored and read back (JSON values only)."""
    return json.loads(canonical(dict(detail)))  # type: ignore[no-any-return]


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """The hash of an entry: SHA-256 of the previous entry's hash and the entry's fields."""
    fields = {name: entry.get(name) for name in FIELDS}
    at = fields["at"]
    if isinstance(at, datetime):
        fields["at"] = at.isoformat()
    payload = f"{prev_hash}\n{canonical(fields)}"
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the first entry that does not hold, and why."""

    entry_id: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken: Break | None
    last_id: int | None = None
    last_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(entries: Iterable[Mapping[str, Any]]) -> Verdict:
    """Walk the entries in the order they were written (each with ``id``, ``prev_hash``,
    ``hash`` and :data:`FIELDS`) and name the first that breaks the chain.

    The first entry must follow the genesis, or the last entry a pruning removed (named
    by a pruning's entry further on, itself in the chain)."""
    checked = 0
    first: Mapping[str, Any] | None = None
    previous: Mapping[str, Any] | None = None
    anchors = {GENESIS}
    for entry in entries:
        checked += 1
        if first is None:
            first = entry
        elif entry["prev_hash"] != previous["hash"]:  # type: ignore[index]
            return Verdict(
                checked, Break(entry["id"], "与前一条不相连：其前的条目被删除、插入或改动")
            )
        if entry["hash"] != entry_hash(entry["prev_hash"], entry):
            return Verdict(checked, Break(entry["id"], "内容与其哈希不符：本条被改动"))
        if entry["action"] == PRUNE:
            anchors.add(str((entry.get("detail") or {}).get("through_hash") or ""))
        previous = entry
    if first is not None and first["prev_hash"] not in anchors:
        return Verdict(checked, Break(first["id"], "最早一条之前的条目被删除，且没有清理记录"))
    last = previous or {}
    return Verdict(checked, None, last.get("id"), last.get("hash"))
