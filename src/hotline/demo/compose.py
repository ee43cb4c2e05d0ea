"""Writing a ticket's texts: the operator's record, the on-the-spot answer, the reply."""

from __future__ import annotations

import random
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import date, datetime, timedelta

from hotline.demo.directory import units
from hotline.demo.places import Place
from hotline.demo.text import fill, roughen
from hotline.demo.topics import Topic
from hotline.demo.voice import in_own_words, short_call, vague_call, vary_words

__all__ = ["render_answer", "render_content", "render_reply", "ticket_slots", "we"]

Slots = Mapping[str, Sequence[str]]

_OPENINGS = {
    "consult": ("市民来电咨询：", "来电人咨询：", "市民来电询问："),
    "complaint": ("市民来电反映：", "市民来电投诉：", "来电人反映：", "市民来电反映："),
    "report": ("市民来电举报：", "市民来电反映：", "来电人举报："),
    "help": ("市民来电求助：", "市民来电反映：", "来电人求助："),
    "suggestion": ("市民来电建议：", "市民来电提出建议："),
    "praise": ("市民来电表扬：", "市民来电致谢："),
}
_CHANNEL_OPENINGS = {
    "web": ("市民网上留言：", "市民通过网页留言反映："),
    "wechat": ("市民通过微信公众号反映：", "市民微信留言："),
    "city": ("【市平台转办】市民反映：", "市12345转办：市民来电反映："),
    "api": ("市民通过“穗好办”APP反映：", "【穗好办】市民留言："),
}
_DEMAND_FORMS = ("诉求：{d}。", "诉求：{d}。", "市民诉求：{d}。", "{d}。", "希望：{d}。")
_EXTRAS = (
    "来电人表示已多次向有关方面反映，问题一直没有得到解决。",
    "来电人称家中有老人和小孩，影响很大。",
    "来电人情绪较为激动，表示如再不处理将向媒体反映。",
    "来电人表示此前已拨打过12345，希望这次能彻底解决。",
    "来电人称周边不少人都有同样的问题。",
    "来电人已拍照留存，可配合相关部门核实。",
    "来电人要求处理后电话回复处理结果。",
    "来电人表示白天上班，请尽量在下午6点后联系。",
    "来电人不清楚具体由哪个部门负责，请相关部门核实。",
    "来电人表示愿意配合调查。",
)
_ASKER = (
    "其为来穗务工人员，",
    "其家住{town}，",
    "其今年{age}，",
    "其为个体工商户，",
    "其刚来广州工作不久，",
    "其为退休人员，",
    "其为学生家长，",
    "其为本地村民，",
    "其在白云区一家企业上班，",
    "其替家里老人咨询，",
    "其为新就业大学生，",
    "",
    "",
    "",
)
_ASK_TAILS = (
    "其已在网上查询过，但看不太明白。",
    "此前拨打过相关部门电话未能接通。",
    "其不太会使用手机APP办理。",
    "其之前到窗口问过，说法不一致。",
    "希望告知具体办理地点、时间和所需材料。",
    "希望得到明确答复。",
    "请工作人员详细解答。",
    "其时间比较紧，希望一次办好。",
    "其担心错过办理时间。",
    "",
    "",
)
_TAILS = (
    "希望得到明确答复。",
    "请工作人员详细解答。",
    "其已在网上查过，但没有找到答案。",
    "此前打过几个电话都没问清楚。",
    "",
)
_HISTORY = (
    "其曾于{pdate}向{whom}反映，对方称{excuse}，但至今没有解决。",
    "{pdate}前后已向{whom}反映过，{whom}表示{excuse}，之后就没有下文。",
    "近期情况越来越严重，已经影响到正常生活和工作。",
    "来电人称附近{many}都受到影响，大家商量后由其代为反映。",
    "来电人表示，如果问题得不到解决，将继续向上级部门反映。",
    "来电人称{since}情况反反复复，有时好一两天又恢复原样。",
)
# What the operator notes of the caller (above), as the caller says it: threats and pressure
# are what makes a ticket hard, so they stay when a request is in the caller's own words.
SAID_IN_OWN_WORDS = {
    "来电人表示已多次向有关方面反映，问题一直没有得到解决。": "我已经反映过好多次了，一直没解决。",
    "来电人称家中有老人和小孩，影响很大。": "家里有老人小孩，影响很大。",
    "来电人情绪较为激动，表示如再不处理将向媒体反映。": "再不处理我就找媒体曝光！",
    "来电人表示此前已拨打过12345，希望这次能彻底解决。": (
        "之前已经打过12345了，希望这次能彻底解决。"
    ),
    "来电人称周边不少人都有同样的问题。": "周边好多人都有同样的问题。",
    "来电人已拍照留存，可配合相关部门核实。": "我拍了照片，可以配合核实。",
    "来电人要求处理后电话回复处理结果。": "处理完请打电话告诉我结果。",
    "来电人表示，如果问题得不到解决，将继续向上级部门反映。": (
        "如果还解决不了，我会继续向上级反映。"
    ),
}
_HISTORY_SLOTS = {
    "whom": ("社区居委会", "物业", "村委", "相关部门", "12345热线", "街道办"),
    "excuse": (
        "会跟进处理", "不归他们管", "已经上报", "需要等上级批复", "让其找其他部门",
        "会尽快安排人员处理",
    ),
}  # fmt: skip
_SCENE = (
    "事发地址：{address}。",
    "地址：{address}。",
    "具体位置在{address}。",
)
_REPLY_ENDINGS = (
    "已电话联系来电人告知处理结果，来电人表示认可。",
    "已与市民沟通解释，市民表示理解。",
    "来电人电话未接通，已发送短信告知处理情况。",
    "已当面向来电人反馈处理情况。",
    "下一步将继续跟踪，防止问题反弹。",
)
OWN_WORDS_SHARE = {"phone": 0.3, "city": 0.2}
"""Share of requests recorded in the caller's own words, by channel (online: 0.7)."""
SHORT_SHARE = 0.15
VAGUE_SHARE = 0.15


def _voice(
    text: str, topic: Topic, kind: str, channel: str, rng: random.Random, *, address, whole: bool
) -> str:
    """Who wrote it and how: the operator's record or the caller's words, long or short.

    ``whole``: a report of a planted event (a burst, the same incident again) keeps its
    place and details, which is what makes it one event."""
    vague = kind not in ("consult", "praise") and address is None and not whole
    if vague and rng.random() < VAGUE_SHARE:
        return vague_call(topic.label, rng, nearby=topic.territorial)
    if not whole and rng.random() < SHORT_SHARE:
        text = short_call(text, rng)
    if rng.random() < OWN_WORDS_SHARE.get(channel, 0.7):
        text = in_own_words(text, rng, SAID_IN_OWN_WORDS)
    return vary_words(text, rng)


_WE = {
    "street": "我街", "town": "我镇", "department": "我局", "utility": "我司",
}  # fmt: skip
_WE_OVERRIDES = {
    "police": "我分局", "environment": "我分局", "planning": "我分局", "fire": "我大队",
    "traffic_police": "我大队", "disabled": "我会", "women": "我会", "union": "我会",
}  # fmt: skip


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def we(code: str) -> str:
    """How the unit refers to itself in a reply (我街, 我镇, 我局, 我司, …)."""
    return _WE_OVERRIDES.get(code) or _WE[units()[code].kind]


def ticket_slots(place: Place | None, town: str, rng: random.Random) -> dict[str, tuple[str, ...]]:
    """The slots a ticket's own place and town provide."""
    town_name = units()[town].name
    if place is None:
        return {"town": (town_name,), "place": (f"白云区{town_name}",)}
    shown = f"{town_name}{place.phrase}" if rng.random() < 0.45 else place.phrase
    return {
        "town": (town_name,),
        "place": (shown,),
        "road": (place.road,),
        "village": (place.village,),
        "estate": (place.estate,),
    }


def _opening(kind: str, channel: str, rng: random.Random) -> str:
    if channel in _CHANNEL_OPENINGS and rng.random() < 0.7:
        return rng.choice(_CHANNEL_OPENINGS[channel])
    return rng.choice(_OPENINGS[kind])


def _body(topic: Topic, kind: str, rng: random.Random) -> str:
    if kind == "consult" and topic.questions:
        return rng.choice(topic.questions)
    if kind == "suggestion" and topic.suggestions:
        return rng.choice(topic.suggestions)
    body = rng.choice(topic.bodies)
    if kind == "consult":
        return body.rstrip("。") + "，咨询应如何处理、向哪个部门反映。"
    if kind == "suggestion":
        return body.rstrip("。") + "，建议相关部门加强管理。"
    return body


def _consult_text(
    topic: Topic, tables: Sequence[Slots], memo: MutableMapping[str, str], rng: random.Random
) -> str:
    question = fill(_body(topic, "consult", rng), rng, tables, memo)
    asker = "" if question.startswith("其") else fill(rng.choice(_ASKER), rng, tables, memo)
    tails = rng.sample(_ASK_TAILS if "办" in question or "申" in question else _TAILS, 1)
    extra = rng.choice(_TAILS)
    if rng.random() < 0.3 and extra not in tails:
        tails.append(extra)
    return asker + question + "".join(tails)


def _extras(
    kind: str,
    rng: random.Random,
    tables: Sequence[Slots],
    memo: MutableMapping[str, str],
    *,
    address: str | None,
    urgent: bool,
) -> str:
    """Background sentences: earlier attempts, the caller's situation, the address."""
    if kind == "praise":
        return ""
    roll = rng.random()
    count = 0 if roll < 0.35 or urgent else 1 if roll < 0.75 else rng.randint(2, 4)
    text = "".join(rng.sample(_EXTRAS, count))
    if not urgent and rng.random() < 0.4:
        text = fill(rng.choice(_HISTORY), rng, (*tables, _HISTORY_SLOTS), memo) + text
    if address and rng.random() < (0.6 if urgent else 0.25):
        text = rng.choice(_SCENE).format(address=address) + text
    return text


def render_content(
    topic: Topic,
    kind: str,
    channel: str,
    slots: Sequence[Slots],
    memo: MutableMapping[str, str],
    rng: random.Random,
    *,
    prefix: str = "",
    address: str | None = None,
    urgent: bool = False,
    whole: bool = False,
) -> str:
    """The operator's record of a request: opening, matter, (extras), demand."""
    tables = (*slots, topic.slots)
    opening = _opening(kind, channel, rng)
    online = channel != "phone"
    if kind == "consult":
        text = f"{opening}{prefix}{_consult_text(topic, tables, memo, rng)}"
    elif rng.random() < 0.04 and kind != "praise":
        body = fill(f"{{place}}{topic.label}问题，", rng, tables, memo)
        demand = fill(rng.choice(topic.demands), rng, tables, memo)
        text = f"{opening}{prefix}{body}{demand}。"
    else:
        body = fill(_body(topic, kind, rng), rng, tables, memo)
        extras = _extras(kind, rng, tables, memo, address=address, urgent=urgent)
        demand = fill(rng.choice(topic.demands), rng, tables, memo)
        text = f"{opening}{prefix}{body}{extras}{rng.choice(_DEMAND_FORMS).format(d=demand)}"
    if not prefix:  # a repeat call keeps its reference to the first one
        text = _voice(text, topic, kind, channel, rng, address=address, whole=whole)
    return roughen(text, rng, online=online)


def another_matter(topic: Topic, slots: Sequence[Slots], rng: random.Random) -> str:
    """A second matter mentioned in the same call (一个来电反映多个事项)."""
    body = fill(_body(topic, "complaint", rng), rng, (*slots, topic.slots), {})
    return rng.choice(("另外，", "还有，", "顺便再反映一下，", "还有一个事，")) + body


def render_answer(
    topic: Topic, slots: Sequence[Slots], memo: MutableMapping[str, str], rng: random.Random
) -> str:
    """The operator's on-the-spot answer to a consultation (直接办结)."""
    if topic.answers:
        return fill(rng.choice(topic.answers), rng, (*slots, topic.slots), memo)
    return f"已告知市民{topic.label}相关政策及办理渠道，市民表示清楚。"


def render_reply(
    topic: Topic,
    unit: str,
    at: datetime,
    slots: Sequence[Slots],
    memo: MutableMapping[str, str],
    rng: random.Random,
    *,
    not_before: date,
    again: bool = False,
) -> str:
    """The handling unit's reply (回复), dated a little before it is sent."""
    handled = max(at.date() - timedelta(days=rng.choice((0, 0, 1, 2))), not_before)
    own = {"we": (we(unit),), "unit": (units()[unit].name,), "rdate": (_md(handled),)}
    if topic.replies:
        kept = {k: v for k, v in memo.items() if k not in own}
        body = fill(rng.choice(topic.replies), rng, (own, *slots, topic.slots), kept)
    else:
        body = fill("经核查，{we}已于{rdate}对市民反映的问题进行处理。", rng, (own,), {})
    if again:
        body = "经再次核查，" + body.removeprefix("经核查，")
    return body + rng.choice(_REPLY_ENDINGS)
