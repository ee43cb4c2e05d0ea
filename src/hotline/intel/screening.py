"""Screening an intake before the machine may dispatch it (转人工的情形).

The dispatch model answers "which unit" for every text, also for text no unit should get:
a test call, a greeting, English, a matter in another district, a call about the hotline
itself, a question about an earlier ticket. These are read here from the text itself, with
rules a dispatcher would state, before any score is trusted. What the model alone can tell
(a topic it has never seen, several matters in one call) is read by
:class:`hotline.intel.dispatch.DispatchModel` from its own evidence.

Every finding carries its reason in words for the operator and the dispatcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.intel.duties import names_a_matter
from hotline.intel.elsewhere import EXPLAIN, elsewhere
from hotline.intel.places import Gazetteer

JUNK = "junk"
TOO_SHORT = "too_short"
NON_CHINESE = "non_chinese"
OUT_OF_DISTRICT = "out_of_district"
ABOUT_HOTLINE = "about_hotline"
FOLLOW_UP = "follow_up"
UNFAMILIAR = "unfamiliar"
MULTI_MATTER = "multi_matter"
DISPUTED = "disputed"

KIND_LABELS = {
    JUNK: "无有效诉求内容",
    TOO_SHORT: "文本过短",
    NON_CHINESE: "非中文内容",
    OUT_OF_DISTRICT: "事发地不在本区",
    ABOUT_HOTLINE: "涉及热线本身",
    FOLLOW_UP: "催办或查询已有工单",
    UNFAMILIAR: "未识别出熟悉的诉求事项",
    MULTI_MATTER: "涉及多个事项",
    DISPUTED: "派单目录与模型判断不一致",
}

STILL_SUGGEST_A_UNIT = frozenset({UNFAMILIAR, MULTI_MATTER, DISPUTED})
"""Cases where the model's unit is still worth showing a dispatcher (as a hint, never 秒派);
for the others no unit is right, or the earlier ticket's unit is."""

SHORT_CALL_CHARS = 40
"""Operators' notes of a call without a request, and keyboard noise, are short: a longer
text that happens to contain such words (没什么事, 打错了药) is a request."""

MIN_CONTENT_CHARS = 6
"""Fewer Chinese characters than this, once greetings and bare verbs are removed, say nothing
a unit could act on ("我要投诉。", "你好，有个问题")."""

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_FILLER = re.compile(
    r"你好|您好|喂|请问|麻烦|谢谢|我要|我想|想要|投诉|举报|咨询|反映|求助|建议|问题|事情|"
    r"一下|有个|有件事|那个|这个|就是|帮忙|帮我|你们|我们|一个|的|了|吗|啊|呀|吧|呢|嗯|哦"
)
_TEST_WORDS = re.compile(r"测试|test|asdf|qwer|哈哈哈|呵呵呵", re.I)

_HOTLINE = re.compile(
    r"12345|热线|话务员|接线员|坐席|语音菜单|转人工|人工服务|工号|回访电话|满意度短信|你们(?:的)?客服|"
    r"满意度|回访|你们(?:这个)?(?:电话|号码)|接电话(?:的)?(?:人|那个)|智能语音|机器人|"
    r"你们(?:的)?(?:公众号|小程序|回访)|接(?:我)?(?:的)?电话的|你们接电话|挂断|没人接"
)
HOTLINE_LEAD_CHARS = 60
"""A call about the hotline itself names it early; a long request that mentions 12345 in
passing ("此前已拨打过12345") is still a request for a unit."""
_HOTLINE_COMPLAINT = re.compile(
    r"态度|太慢|慢|不耐烦|乱写|没用|转回|转来转去|烦|投诉(?:她|他|你们)|等了|半天|敷衍|挂断|"
    r"听不懂|打断|效率|没人接|打不通|接不通|随便办结|改成满意|提交不了|没有人回复|什么意思|几个人|"
    r"占线|忙音|泄露|乱记|记错|骚扰|不专业|踢皮球|推来推去|差评|不满意|骂|凶|没礼貌|不理|等了好久"
)
# Operators' notes of calls that carry no request, and calls the caller ends himself.
_NO_REQUEST = re.compile(
    r"来电无声|无声电话|未讲话|骚扰电话|恶作剧|请勿处理|打错了(?:[，。！,!]|$)|打错电话|按错|拨错|试下这个号码|"
    r"没(?:什么|别的|其他)事|没事没事|锟斤拷|烫烫烫|听(?:得|唔|不)到(?:吗|嘛|冇|没有)|喂{2,}|信号不好|"
    r"(?:小孩|小朋友|孩子)(?:拿|玩|乱)[^，。]{0,6}(?:手机|电话)|不小心(?:打|按|拨)"
)
# Small talk: greetings, wishes, the weather, questions about the operator. Only in a short
# call with no matter of a unit in it (a flooded road after rain is a matter).
_SMALL_TALK = re.compile(
    r"天气|下不下雨|会不会下雨|几度|吃(?:了)?饭(?:了)?(?:没|未|吗)|农历|星期几|几号|笑话|无聊|"
    r"(?:陪我|找人)(?:讲|聊|倾)|聊(?:下)?天|机器人还是|真人|声音(?:好)?好听|快乐|祝(?:你们|你|大家|白云)|"
    r"辛苦(?:了|晒)|多穿|注意身体|你叫(?:什么|咩)|几岁|你猜|唱(?:首|歌)|饭堂|月亮"
)

_TICKET_NUMBER = re.compile(r"[A-Za-z]{2}\d{8,}|工单号|工单编号|单号|受理号|催单|催办|催一下|催下")
_EARLIER = re.compile(
    r"(?:上次|之前|此前|先前|早前|上周|上个?星期|上个?礼拜|上个月|前天|昨天|前几天|前段时间|"
    r"[一二三四五六七八九十\d]{1,2}月[初中底]?|[一二三四五六七八九十\d]{1,2}号|你们说|你们回复)"
    r"[^。！？]{0,16}?"
    r"(?:反映|投诉|打过|打来|打电话|来电|报过|讲过|提过|提的|提交|登记|说过|讲的|问|回复|处理)"
    r"|(?:反映|投诉|举报|打电话|打来|来电)过(?:的|了|那个|这个|几次|好几次|一次|两次)"
)
_PROGRESS = re.compile(
    r"进展|到哪|哪一步|处理到|跟进|怎么还没|还没(?:有)?(?:人)?(?:处理|回复|解决|来|联系)|"
    r"没有?回复|没人处理|没人联系|没有?回电|一直都?没|查一下|查下|结果|办到|回复呢|多久|"
    r"照样|还是|没变|重新办理|撤销|补充|电话多少|转给|现在都|有没有(?:人)?(?:跟进|处理|下文)|"
    r"没(?:有)?下文|怎么样了|有结果|不满意|超(?:过)?了?(?:期|时限)|过了?(?:期限|时限)|说好的"
)
_LOOK_UP = re.compile(r"查(?:一)?下.{0,12}(?:诉求|工单|投诉|反映)")


@dataclass(frozen=True)
class Screening:
    """Whether the machine may act on an intake, and why not in words."""

    kind: str | None = None
    reason: str | None = None
    detail: dict = field(default_factory=dict)

    @property
    def routable(self) -> bool:
        return self.kind is None


ROUTABLE = Screening()


def content_chars(text: str) -> int:
    """Chinese characters that say something: greetings, fillers and bare verbs removed."""
    return len(_CJK.findall(_FILLER.sub("", text)))


def _junk(text: str) -> Screening | None:
    cjk = _CJK.findall(text)
    latin = _LATIN.findall(text)
    if not cjk and not latin:
        return Screening(JUNK, "没有文字内容（只有数字、符号或空白）")
    if len(latin) >= 6 and len(cjk) < 0.3 * (len(cjk) + len(latin)):
        return Screening(NON_CHINESE, "内容主要不是中文，请人工核实诉求")
    if len(cjk) <= SHORT_CALL_CHARS and _NO_REQUEST.search(text):
        return Screening(JUNK, "来电未提出诉求")
    if len(cjk) <= SHORT_CALL_CHARS and _SMALL_TALK.search(text) and not names_a_matter(text):
        return Screening(JUNK, "来电未提出诉求（问候或闲聊）")
    if _TEST_WORDS.search(text) and content_chars(_TEST_WORDS.sub("", text)) < MIN_CONTENT_CHARS:
        return Screening(JUNK, "测试或无意义内容")
    letters = cjk + latin
    # a long text naturally repeats its characters; only a short one made of a few is noise
    if 4 <= len(letters) <= SHORT_CALL_CHARS and len(set(letters)) <= max(2, len(letters) // 3):
        return Screening(JUNK, "内容重复，没有可识别的诉求")
    if content_chars(text) < MIN_CONTENT_CHARS:
        return Screening(TOO_SHORT, "文本过短，未说明具体事项和地点")
    return None


def screen(text: str | None, address: str | None, places: Gazetteer) -> Screening:
    """What the text alone says about letting the machine dispatch it."""
    text = (text or "").strip()
    address = (address or "").strip()
    found = _junk(text)
    if found is not None:
        return found
    earlier = _EARLIER.search(text)
    if _TICKET_NUMBER.search(text) or _LOOK_UP.search(text) or (earlier and _PROGRESS.search(text)):
        number = _TICKET_NUMBER.search(text)
        return Screening(
            FOLLOW_UP,
            "询问或催办已反映的事项，请关联原工单",
            {"number": number.group(0)} if number else {},
        )
    hotline = _HOTLINE.search(text)
    if hotline and hotline.start() < HOTLINE_LEAD_CHARS and _HOTLINE_COMPLAINT.search(text):
        return Screening(ABOUT_HOTLINE, "反映热线自身服务，由热线办处理")
    outside = elsewhere(text, address, places)
    if outside is None:
        return ROUTABLE
    where, suggest = outside
    reason = (
        f"事发地在{where}，不属本区受理范围，请向来电人解释"
        if suggest == EXPLAIN
        else f"事发地在{where}，不属本区，建议退回市平台"
    )
    return Screening(OUT_OF_DISTRICT, reason, {"place": where, "suggest": suggest})
