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

GUANGZHOU_DISTRICTS = (
    "天河",
    "海珠",
    "越秀",
    "荔湾",
    "番禺",
    "黄埔",
    "花都",
    "南沙",
    "从化",
    "增城",
)
# Well-known places of the other districts of Guangzhou, for calls that name no district.
OTHER_DISTRICT_PLACES = {
    "体育西路": "天河区",
    "珠江新城": "天河区",
    "天河城": "天河区",
    "岗顶": "天河区",
    "石牌": "天河区",
    "五山": "天河区",
    "车陂": "天河区",
    "员村": "天河区",
    "东圃": "天河区",
    "猎德": "天河区",
    "天河公园": "天河区",
    "广州东站": "天河区",
    "江南西": "海珠区",
    "客村": "海珠区",
    "琶洲": "海珠区",
    "广州塔": "海珠区",
    "中大布匹": "海珠区",
    "赤岗": "海珠区",
    "北京路": "越秀区",
    "东山口": "越秀区",
    "农讲所": "越秀区",
    "公园前": "越秀区",
    "上下九": "荔湾区",
    "芳村": "荔湾区",
    "花地湾": "荔湾区",
    "西关": "荔湾区",
    "市桥": "番禺区",
    "大石街": "番禺区",
    "祈福": "番禺区",
    "长隆": "番禺区",
    "钟村": "番禺区",
    "科学城": "黄埔区",
    "萝岗": "黄埔区",
    "知识城": "黄埔区",
    "大沙地": "黄埔区",
    "新华街": "花都区",
    "狮岭": "花都区",
    "花都广场": "花都区",
    "新塘": "增城区",
    "荔城": "增城区",
    "街口": "从化区",
    "温泉镇": "从化区",
    "蕉门": "南沙区",
    "黄阁": "南沙区",
    "天河北": "天河区",
    "林和西": "天河区",
    "冼村": "天河区",
    "龙洞": "天河区",
    "天河客运站": "天河区",
    "正佳广场": "天河区",
    "太古汇": "天河区",
    "花城广场": "天河区",
    "花城大道": "天河区",
    "天河南": "天河区",
    "岑村": "天河区",
    "奥体中心": "天河区",
    "石牌桥": "天河区",
    "华南师范": "天河区",
    "暨南大学": "天河区",
    "科韵路": "天河区",
    "滨江东": "海珠区",
    "昌岗": "海珠区",
    "宝岗": "海珠区",
    "江燕路": "海珠区",
    "工业大道": "海珠区",
    "万胜围": "海珠区",
    "新港西": "海珠区",
    "沥滘": "海珠区",
    "海珠湖": "海珠区",
    "小洲村": "海珠区",
    "东风东": "越秀区",
    "环市东": "越秀区",
    "淘金": "越秀区",
    "中山四路": "越秀区",
    "西门口": "越秀区",
    "一德路": "越秀区",
    "海珠广场": "越秀区",
    "流花": "越秀区",
    "解放北路": "越秀区",
    "越秀公园": "越秀区",
    "区庄": "越秀区",
    "杨箕": "越秀区",
    "五羊新城": "越秀区",
    "二沙岛": "越秀区",
    "农林下路": "越秀区",
    "陈家祠": "荔湾区",
    "长寿路": "荔湾区",
    "中山八": "荔湾区",
    "坑口": "荔湾区",
    "东漖": "荔湾区",
    "荔湾湖": "荔湾区",
    "大学城": "番禺区",
    "洛溪": "番禺区",
    "沙湾古镇": "番禺区",
    "石碁": "番禺区",
    "汉溪": "番禺区",
    "万博": "番禺区",
    "鱼珠": "黄埔区",
    "大沙东": "黄埔区",
    "文冲": "黄埔区",
    "香雪": "黄埔区",
    "九龙镇": "黄埔区",
    "长洲岛": "黄埔区",
    "花山镇": "花都区",
    "炭步": "花都区",
    "赤坭": "花都区",
    "梯面": "花都区",
    "芙蓉嶂": "花都区",
    "中新镇": "增城区",
    "派潭": "增城区",
    "石滩": "增城区",
    "鳌头": "从化区",
    "良口": "从化区",
    "吕田": "从化区",
    "横沥": "南沙区",
    "万顷沙": "南沙区",
    "东涌": "南沙区",
    "榄核": "南沙区",
    "明珠湾": "南沙区",
}
OTHER_CITIES = (
    "深圳",
    "佛山",
    "东莞",
    "珠海",
    "中山",
    "惠州",
    "江门",
    "清远",
    "肇庆",
    "汕头",
    "湛江",
    "韶关",
    "茂名",
    "揭阳",
    "梅州",
    "北京",
    "上海",
    "天津",
    "重庆",
    "香港",
    "澳门",
    "湖南",
    "湖北",
    "广西",
    "江西",
    "四川",
    "河南",
    "福建",
    "海南",
    "长沙",
    "武汉",
    "南宁",
    "云浮",
    "阳江",
    "潮州",
    "汕尾",
    "河源",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "西安",
    "郑州",
    "济南",
    "青岛",
    "厦门",
    "福州",
    "南昌",
    "贵阳",
    "昆明",
    "合肥",
    "沈阳",
    "哈尔滨",
    "海口",
    "三亚",
    "桂林",
    "柳州",
    "玉林",
    "衡阳",
    "赣州",
    "浙江",
    "江苏",
    "山东",
    "山西",
    "陕西",
    "河北",
    "辽宁",
    "吉林",
    "黑龙江",
    "贵州",
    "云南",
    "甘肃",
    "安徽",
    "新疆",
    "台湾",
)
PROVINCES = (
    "广西", "湖南", "湖北", "江西", "四川", "河南", "福建", "海南", "浙江", "江苏", "山东",
    "山西", "陕西", "河北", "辽宁", "吉林", "黑龙江", "贵州", "云南", "甘肃", "安徽",
)  # fmt: skip
# A province named right before a city or county: 湖北黄石市 and 安徽太和县 are not 黄石街道
# and 太和镇, whatever the gazetteer finds in them.
_PROVINCE_CITY = re.compile("(" + "|".join(PROVINCES) + r")省?[\u4e00-\u9fff]{1,4}?(?:市|县|州|区)")
_COUNTY = re.compile(r"[\u4e00-\u9fff]{2}县(?!城|里|政府)")
# Matters abroad: no unit of the district can act on them.
FOREIGN_PLACES = (
    "美国", "英国", "法国", "德国", "意大利", "西班牙", "俄罗斯", "日本", "韩国", "泰国",
    "越南", "新加坡", "马来西亚", "印尼", "印度", "菲律宾", "柬埔寨", "缅甸", "老挝",
    "澳洲", "澳大利亚", "新西兰", "加拿大", "迪拜", "阿联酋", "东京", "大阪", "首尔",
    "曼谷", "纽约", "伦敦", "巴黎", "悉尼", "墨尔本", "温哥华", "非洲", "欧洲", "国外", "海外",
)  # fmt: skip
_FOREIGN = re.compile("|".join(FOREIGN_PLACES))
_OTHER_DISTRICT = re.compile("(" + "|".join(GUANGZHOU_DISTRICTS) + ")区")
_BARE_OTHER_DISTRICT = re.compile("(" + "|".join(GUANGZHOU_DISTRICTS) + ")")
_OTHER_PLACE = re.compile("|".join(sorted(OTHER_DISTRICT_PLACES, key=len, reverse=True)))
_OTHER_CITY_HERE = re.compile(
    "(?:在|到|去|位于|我住)("
    + "|".join(OTHER_CITIES)
    + ")|("
    + "|".join(OTHER_CITIES)
    + ")(?:市|区|县|省)"
)
# "I moved here from 东莞", "my 户籍 is in 湖南": another place named, the matter is here.
_OTHER_CITY_ADDRESS = re.compile("^(?:广东省)?(" + "|".join(OTHER_CITIES) + ")")
_MOVED_HERE = re.compile(r"老家|户籍|之前在|以前在|原来在|转到|转来|转回|回来|异地|外地")

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


def _elsewhere(text: str, address: str, places: Gazetteer) -> Screening | None:
    """A matter located outside the district: suggest returning it to the city platform."""
    here = places.locate(address).town or places.locate(text).town or "白云" in text + address
    found = _OTHER_DISTRICT.search(address) or (
        None if here else _OTHER_DISTRICT.search(text) or _BARE_OTHER_DISTRICT.search(address)
    )
    if found:
        where = found.group(1) + "区"
    elif not here and (hit := _OTHER_PLACE.search(address + " " + text)):
        where = OTHER_DISTRICT_PLACES[hit.group(0)]
    elif hit := _PROVINCE_CITY.search(address) or (
        None if _MOVED_HERE.search(text) else _PROVINCE_CITY.search(text)
    ):
        where = hit.group(0)
    elif not places.locate(address).town and (hit := _OTHER_CITY_ADDRESS.search(address)):
        where = hit.group(1)
    elif not here and (
        hit := _OTHER_CITY_HERE.search(address)
        or (None if _MOVED_HERE.search(text) else _OTHER_CITY_HERE.search(text))
    ):
        where = hit.group(1) or hit.group(2)
    elif (
        not here and (hit := _COUNTY.search(address + " " + text)) and not _MOVED_HERE.search(text)
    ):
        where = hit.group(0)
    elif not here and (hit := _FOREIGN.search(address + " " + text)):
        return Screening(
            OUT_OF_DISTRICT,
            f"事发地在{hit.group(0)}，不属本区受理范围，请向来电人解释",
            {"place": hit.group(0), "suggest": "explain"},
        )
    else:
        return None
    return Screening(
        OUT_OF_DISTRICT,
        f"事发地在{where}，不属本区，建议退回市平台",
        {"place": where, "suggest": "return_to_city"},
    )


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
    found = _elsewhere(text, address, places)
    if found is not None:
        return found
    return ROUTABLE
