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
    r"12345|热线|话务|话员|接线|公众号|小程序|网页留言|坐席|语音菜单|转人工|人工服务|工号|回访|满意度|智能语音|机器人|"
    r"你们(?:的|这个|那边)?(?:投诉)?(?:客服|工作人员|电话|号码|网页|网站|留言|小程序|公众号|系统|短信)|"
    r"接(?:我)?(?:的)?电话(?:的|那个)|接电话的|你们接电话|打你们|打过来|打进来|"
    r"你们(?:登记|记录|记)(?:成|错|的)|你们[^。，,]{0,4}(?:转回|办结)|接通|被挂(?:断|了|掉)"
)
# The hotline named as a channel or an earlier step of a request, not as its subject.
_HOTLINE_IN_PASSING = re.compile(
    r"[【\[]?市?(?:12345|热线|平台)(?:热线)?转办[】\]]?|(?:拨打|打)过(?:你们)?(?:12345|热线)(?:热线)?|"
    r"向(?:12345)?热线(?:反映|投诉|举报)过?|(?:12345)?热线表示|通过(?:微信)?(?:公众号|网页|小程序)(?:留言)?"
)
HOTLINE_LEAD_CHARS = 60
"""A call about the hotline itself names it early; a long request that mentions 12345 in
passing ("此前已拨打过12345") is still a request for a unit."""
# What callers say of a service that failed them: its staff's manner, the wait, the line,
# the record, the channel, being passed on.
_HOTLINE_COMPLAINT = re.compile(
    r"态度|太慢|慢|不耐烦|啰嗦|冲|凶|骂|没礼貌|阴阳怪气|插嘴|打断|不理|敷衍|打发|不专业|"
    r"排队|等了|半天|占线|忙音|没人接|打不通|接不通|自己断|断了|挂(?:断|了|掉)?|"
    r"听不懂|听不明白|听都不听|不听|乱写|乱记|记错|写错|登记成|记成|"
    r"没用|白反映|等于白|转回|转来转去|踢皮球|皮球|推来推去|不归你们管|"
    r"提交不了|上传不了|没有人回复|随便办结|改成满意|差评|不满意|"
    r"泄露|告诉了|同事都知道|骚扰|别再|烦|效率|什么意思|几个人|算什么服务|投诉(?:她|他|你们)"
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
_WHEN = (
    r"上次|上回|之前|此前|先前|早前|早几[日天]|前几[日天]|前两[日天]|前天|昨天|早上|上午|"
    r"前段时间|前(?:一|两|几)?个?(?:礼拜|星期|周|月)|上个?(?:礼拜|星期|周|月)|"
    r"(?<!\d)[一二三四五六七八九十\d]{1,2}月份?[初中底]?|(?<!\d)[一二三四五六七八九十\d]{1,2}号那[天日]|"
    r"已经|你们说|你们回复"
)
# An earlier report: a time before now, then the caller's or a relative's report of it.
_EARLIER = re.compile(
    rf"(?:{_WHEN})[^。！？]{{0,16}}?"
    r"(?:反映|投诉|打过|打来|打电话|来电|报过|讲过|提过|提的|提交|登记|说过|讲的|说的|问的|问过|"
    r"回复|处理|说好|跟你们讲)"
    r"|(?:反映|投诉|举报|打电话|打来|来电)过(?:的|了|那个|这个|几次|好几次|一次|两次|嚟)"
    r"|回复(?:说|我)"
)
# A report made to someone else (the property manager, the village): the hotline hears of
# the matter for the first time.
_ELSEWHERE_BEFORE = re.compile(
    r"[^，,。！？]*?向(?!12345|热线|你们)[^，,。]{1,10}?(?:反映|投诉|举报)[^，,。！？]*[，,。！？]?"
)
# A call that says by itself it is about an earlier report: it calls again, counts its
# reports, names "my ticket".
_REPEAT = re.compile(
    r"(?:再|又)打(?:来|过来|嚟)|再次反映|第[二三四五两\d]次(?:反映|打|投诉)|同一件事|"
    r"(?:我的|那个|这个|已经回复过的)工?单(?:[，,号回已]|$)"
)
# What a caller asks of an earlier report: its progress, a reminder, a correction.
_PROGRESS = re.compile(
    r"进展|到哪|哪一步|处理到|跟进|怎么还没|还没(?:有)?(?:人)?(?:处理|回复|解决|来|联系)|"
    r"没有?回复|没人处理|没人联系|没有?回电|一直都?没|一直等不到|等不到|查一下|查下|结果|办到|"
    r"回复呢|多久|照样|还是|没变|又(?:开|来|在|开始)|重新(?:办理|处理|派)|撤销|取消|补充|核实|"
    r"电话多少|转给|转到|现在都|到现在|到而家|冇人|谁打|"
    r"有没有(?:人)?(?:安排|跟进|处理|下文|看)|没(?:有)?下文|没(?:有)?(?:见)?人来|怎么样了|"
    r"得怎么样|有结果|不满意|不认可|超(?:过)?了?(?:期|时限)|过了?(?:期限|时限)|说好的|"
    r"已经[一二三四五六七八九十两\d]+个?(?:月|天|星期|礼拜)|第[一二三四五六七八九十\d]+天"
)
_SENTENCE = re.compile(r"[。！？!?；;\n]")
TOLD_AGAIN_CHARS = 30
"""Chinese characters a call says besides its follow-up or its hotline complaint that make
it a request of its own (a sentence telling a matter and its place)."""
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


def _told_again(rest: str) -> bool:
    """Whether what a call says besides its follow-up or its hotline complaint is a matter
    told in full: a repeat complaint (重复件) restating its matter, or a request mentioning
    the hotline in passing, is a request a unit can act on."""
    return len(_CJK.findall(rest)) >= TOLD_AGAIN_CHARS


def _follows_up(text: str) -> bool:
    return bool(
        _LOOK_UP.search(text)
        or _REPEAT.search(text)
        or (_EARLIER.search(text) and _PROGRESS.search(text))
    )


def _follow_up(text: str) -> Screening | None:
    """A question, reminder or correction about an earlier report (催办/查询/补充)."""
    number = _TICKET_NUMBER.search(text)
    text = _ELSEWHERE_BEFORE.sub("", text)
    if number is None:
        if not _follows_up(text):
            return None
        rest = text
        for cue in (_LOOK_UP, _REPEAT, _EARLIER, _PROGRESS):
            rest = cue.sub("", rest)
        if _told_again(rest):
            return None
    return Screening(
        FOLLOW_UP,
        "询问或催办已反映的事项，请关联原工单",
        {"number": number.group(0)} if number else {},
    )


def _about_hotline(text: str) -> Screening | None:
    """A complaint about the hotline's own service: its staff, its line, its records, in one
    sentence near the start of the call."""
    text = _HOTLINE_IN_PASSING.sub("", text)
    sentences = _SENTENCE.split(text)
    about = [
        p
        for p in sentences
        if (h := _HOTLINE.search(p))
        and text.find(p) + h.start() < HOTLINE_LEAD_CHARS
        and _HOTLINE_COMPLAINT.search(p)
    ]
    if not about or _told_again("".join(p for p in sentences if p not in about)):
        return None
    return Screening(ABOUT_HOTLINE, "反映热线自身服务，由热线办处理")


def screen(text: str | None, address: str | None, places: Gazetteer) -> Screening:
    """What the text alone says about letting the machine dispatch it."""
    text = (text or "").strip()
    address = (address or "").strip()
    found = _junk(text)
    if found is not None:
        return found
    found = _follow_up(text) or _about_hotline(text)
    if found is not None:
        return found
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
