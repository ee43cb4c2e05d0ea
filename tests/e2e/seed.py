"""A month of realistic tickets for the browser tests and their screenshots.

Goes through the services (intake, act) with past timestamps, so every ticket has a
true history: machine or human dispatch, sign, reply, review, callback; some tickets
are returned, extended, overdue or still waiting. Deterministic (seeded).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.schemas import TicketCreate
from hotline.services.tickets.lifecycle import DispatchSuggestion, act, intake

OPERATOR = lc.Actor("op", lc.Role.OPERATOR)
DISPATCHER = lc.Actor("disp", lc.Role.DISPATCHER)
SYSTEM_UNITS = ["hrss", "market", "urban", "housing", "traffic_police", "water_supply", "power"]
TOWNS = {
    "jingtai": ("景泰街道", "广园中路"),
    "songzhou": ("松洲街道", "增槎路"),
    "sanyuanli": ("三元里街道", "三元里大道"),
    "tongde": ("同德街道", "西槎路"),
    "huangshi": ("黄石街道", "黄石东路"),
    "xinshi": ("新市街道", "齐富路"),
    "tonghe": ("同和街道", "同和路"),
    "jingxi": ("京溪街道", "京溪路"),
    "yongping": ("永平街道", "永泰路"),
    "jiahe": ("嘉禾街道", "嘉禾路"),
    "junhe": ("均禾街道", "均禾大道"),
    "shijing": ("石井街道", "石井大道"),
    "jinsha": ("金沙街道", "金沙洲路"),
    "yuncheng": ("云城街道", "云城东路"),
    "helong": ("鹤龙街道", "鹤龙一路"),
    "baiyunhu": ("白云湖街道", "白云湖路"),
    "shimen": ("石门街道", "石门大道"),
    "longgui": ("龙归街道", "龙河路"),
    "dayuan": ("大源街道", "大源北路"),
    "renhe": ("人和镇", "人和大道"),
    "taihe": ("太和镇", "太和中路"),
    "zhongluotan": ("钟落潭镇", "福龙路"),
    "jianggao": ("江高镇", "江高大道"),
    "tangjing": ("棠景街道", "远景路"),
}
WEIGHTS = {"jingtai": 9, "sanyuanli": 7, "tongde": 6, "xinshi": 6, "songzhou": 5, "taihe": 5}
MATTERS = [
    ("complaint", "{road}一工地夜间施工，凌晨两点仍有打桩声，噪音扰民严重，请求尽快处理。"),
    ("complaint", "{road}附近餐饮店油烟直排居民楼，多次反映未见整改。"),
    ("help", "{road}小区门口下水道堵塞，污水漫到路面，行人无法通行。"),
    ("help", "{road}路灯连续一周不亮，夜间出行不安全，请求维修。"),
    ("report", "{road}有人占用人行道违规搭建铁皮房，影响通行。"),
    ("suggestion", "建议在{road}与主干道交叉口增设红绿灯和斑马线，方便学生过马路。"),
    ("consult", "咨询{town}社保卡补办需要带哪些材料，在哪里办理。"),
    ("consult", "咨询{town}小学入学积分如何计算，何时开始报名。"),
    ("praise", "表扬{town}工作人员耐心帮忙处理了小区停水问题。"),
]
DEPARTMENT_MATTERS = {
    "hrss": "反映所在公司拖欠三个月工资，多次讨要无果，请求人社部门介入。",
    "market": "在{road}超市购买的食品已过保质期，商家拒绝退换。",
    "urban": "{road}人行道共享单车乱停放，堵塞盲道。",
    "housing": "{road}小区电梯频繁故障，物业不予维修。",
    "traffic_police": "{road}路口早高峰长期拥堵，请求交警增派警力疏导。",
    "water_supply": "{road}一带今日停水，未见提前通知，何时恢复供水？",
    "power": "{road}片区频繁停电，家中电器损坏。",
}


def _ticket_in(rng: random.Random, town: str, dept: str | None) -> TicketCreate:
    town_name, road = TOWNS[town]
    if dept:
        kind, text = "complaint", DEPARTMENT_MATTERS[dept]
    else:
        kind, text = rng.choice(MATTERS)
    phone = f"13{rng.randint(100000000, 999999999)}"
    return TicketCreate(
        content="市民来电反映：" + text.format(road=road, town=town_name),
        address=f"白云区{town_name}{road}{rng.randint(1, 300)}号",
        caller_name=rng.choice("张王李赵陈刘黄周吴") + rng.choice(["先生", "女士", "伯", "小姐"]),
        caller_phone=phone,
        type=kind,
        urgency="urgent" if rng.random() < 0.03 else "normal",
        channel=rng.choice(["phone"] * 6 + ["web", "wechat", "city"]),
    )


def _unit_actor(unit: str) -> lc.Actor:
    return lc.Actor(f"{unit}-staff", lc.Role.UNIT, unit)


def _life(session: Session, ticket, rng: random.Random, start: datetime, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Move a dispatched ticket along its life up to ``now``; recent ones stop half-way."""
    staff = _unit_actor(ticket.unit_code)
    age = (now - start).total_seconds() / 86400
    roll = rng.random()

    def step(action: str, at: datetime, actor: lc.Actor = staff, **data: object) -> None:
        act(session=session, ticket=ticket, action=action, data=data, actor=actor, now=at)

    at = start + timedelta(hours=rng.uniform(0.5, 20))
    if at >= now or (age < 2 and roll < 0.3):
        return  # still waiting to be signed
    if roll < 0.07 and at < ticket.return_due:
        step("request_return", at, reason="事发地不属本辖区，请改派")
        decided = at + timedelta(hours=3)
        if age > 2 and decided < now:  # the hotline office sends it to the right unit
            other = rng.choice([t for t in TOWNS if t != ticket.unit_code])
            step("approve_return", decided, DISPATCHER, unit=other)
            _life(session, ticket, rng, decided, now)
        return
    step("sign", at)
    if roll < 0.07 and 3 < age < 10:
        step("request_extension", at + timedelta(days=1), reason="需协调多个部门现场核查", days=5)
        return
    reply_at = at + timedelta(days=rng.uniform(0.5, 15 if rng.random() < 0.05 else 8))
    if reply_at >= now or (roll < 0.25 and age < 12) or roll > 0.975:
        return  # still being handled (a few forgotten: they go red)
    step("reply", reply_at, content="已安排工作人员到现场核查处理，并向市民反馈。")
    review_at = reply_at + timedelta(hours=rng.uniform(1, 20))
    if review_at >= now or (roll < 0.3 and age < 6):
        return
    step("approve_reply", review_at, DISPATCHER)
    callback_at = review_at + timedelta(hours=rng.uniform(2, 30))
    if callback_at >= now or (roll < 0.35 and age < 6):
        return
    happy = rng.random() < 0.9
    satisfaction = "satisfied" if happy else "unsatisfied"
    step("callback", callback_at, OPERATOR, satisfaction=satisfaction, resolved=happy)


def seed_month(session: Session, n: int = 260, seed: int = 12345) -> int:
    """Create ``n`` tickets over the last 30 days; returns how many were created."""
    rng = random.Random(seed)
    now = now_local()
    towns = list(TOWNS)
    weights = [WEIGHTS.get(t, 2) for t in towns]
    fresh = min(8, n)  # the last hours' calls, still waiting for a dispatcher
    moments = sorted(
        [
            now - timedelta(days=rng.triangular(0, 30, 4), hours=rng.uniform(0, 10))
            for _ in range(n - fresh)
        ]
        + [now - timedelta(hours=rng.uniform(0.2, 8)) for _ in range(fresh)]
    )
    waiting = set(sorted(moments)[-fresh:])
    for created in moments:
        town = rng.choices(towns, weights)[0]
        dept = rng.choice(SYSTEM_UNITS) if rng.random() < 0.3 else None
        ticket_in = _ticket_in(rng, town, dept)
        answered = ticket_in.type in ("consult", "praise") and rng.random() < 0.7
        target = dept or town
        confidence = rng.betavariate(8, 2)
        auto = confidence >= 0.8 and not answered and created not in waiting

        def suggester(_s: Session, _t: TicketCreate, unit=target, town=town, c=confidence, a=auto):  # type: ignore[no-untyped-def]  # noqa: E501
            return DispatchSuggestion(unit=unit, confidence=c, auto=a, town=town)

        ticket, _ = intake(
            session=session, ticket_in=ticket_in, actor=OPERATOR, suggester=suggester, now=created
        )
        try:
            if answered:  # a consultation answered on the spot (直接办结)
                answer = {"answer": "已按知识库答复。"}
                at = created + timedelta(minutes=4)
                act(session=session, ticket=ticket, action="close_at_intake", data=answer,
                    actor=OPERATOR, now=at)  # fmt: skip
            elif created not in waiting:
                _progress(session, ticket, rng, created, now, target)
        except DomainError:
            session.rollback()
    _articles(session)
    return n


def _articles(session: Session) -> None:
    """Knowledge-base articles in force: the answers an operator adopts in one click."""
    from hotline.services.assist.knowledge import create_article

    admin = lc.Actor("root", lc.Role.ADMIN)
    for key, title, body in (
        ("social-card", "社保卡补办", "社保卡遗失可通过“粤省事”小程序或到区社保经办窗口补办社保卡，"
         "需携带身份证原件；材料齐全当场办结。"),
        ("residence", "居住证办理", "居住证在居住地街道来穗人员服务管理中心办理，需身份证、"
         "居住登记凭证，满半年可申领。"),
    ):  # fmt: skip
        create_article(session, actor=admin, values={"title": title, "body": body}, key=key)


def _progress(  # type: ignore[no-untyped-def]
    session: Session, ticket, rng: random.Random, created: datetime, now: datetime, target: str
) -> None:
    if ticket.status == lc.Status.AWAITING_DISPATCH:
        at = created + timedelta(minutes=rng.uniform(5, 90))
        if at >= now or (now - created < timedelta(days=2) and rng.random() < 0.6):
            return
        unit = target if rng.random() < 0.85 else rng.choice(list(TOWNS))
        act(session=session, ticket=ticket, action="dispatch", data={"unit": unit},
            actor=DISPATCHER, now=at)  # fmt: skip
        created = at
    _life(session, ticket, rng, created, now)


def train_assistants(session: Session, models_dir: Path) -> None:
    """The intake and difficulty models the console reads, from the seeded month.

    ``assist_models.train_difficulty`` holds out the last 61 days, longer than this month of
    history, so the difficulty model is fitted here on every ticket with a known outcome.
    """
    from hotline.intel.difficulty import DifficultyModel
    from hotline.services.assist import difficulty as assist_models

    assist_models.train_intake(session, models_dir=models_dir)
    records, labels = assist_models.history(session)
    if len(set(labels)) == 2:
        model = DifficultyModel().fit(records, labels)
        model.save(models_dir / "difficulty" / "model.pkl", {"note": "e2e seed month"})
