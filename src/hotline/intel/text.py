"""Text of tickets: normalising, tokenising and masking personal data (个人信息脱敏)."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

# Excel exports carry carriage returns as the literal "_x000D_".
_EXCEL_CR = re.compile(r"_x000[dD]_")
_SPACES = re.compile(r"\s+")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A space between two CJK characters carries no meaning in Chinese (segmented text has them).
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)

# \d also matches full-width digits (１２３); literal digits are spelled both ways.
_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXxＸｘ])(?![0-9A-Za-z])|"
    r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])"
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?([1１][3-9３-９]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)([0０]\d{2,3})[- ]?(\d{3,4})(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def normalise(text: str | None) -> str:
    """Full-width → half-width (NFKC), Excel line breaks and whitespace runs → one space, strip."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _EXCEL_CR.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def compact(text: str | None) -> str:
    """The form the models read: normalised, case-folded, no spaces between Chinese characters.

    Word-segmented text ("市 西湖 建筑") and raw text ("市西湖建筑") become alike.
    """
    return _CJK_GAP.sub("", normalise(text)).casefold()


def strip_punctuation(text: str) -> str:
    """Replace punctuation and whitespace runs by one space."""
    return _PUNCT_OR_SPACE.sub(" ", text).strip()


def join_fields(fields: Iterable[Any]) -> str:
    """Several text columns (title, detail, …) as one text; empty cells are skipped."""
    parts = [str(f).strip() for f in fields if f is not None and str(f).strip()]
    return "\n".join(parts)


class _Jieba:
    """One jieba tokenizer per process, initialised once (its dictionary load takes ~1 s)."""

    _lock = threading.Lock()
    _tokenizer: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls._tokenizer is None:
            with cls._lock:
                if cls._tokenizer is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    cls._tokenizer = tokenizer
        return cls._tokenizer


def tokenise(text: str | None) -> list[str]:
    """Words of a text (jieba, precise mode), without punctuation and whitespace tokens."""
    text = normalise(text)
    if not text:
        return []
    words = _Jieba.get().lcut(_CJK_GAP.sub("", text), HMM=False)
    return [w.casefold() for w in words if not _PUNCT_OR_SPACE.fullmatch(w)]


def _mask_id_card(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1) + "*" * 8 + m.group(3)[-4:].rjust(4, "*")
    return m.group(4) + "*" * 6 + m.group(6)


def mask_personal(text: str | None) -> str:
    """Mask ID-card numbers, mobile and landline phones and e-mail addresses in free text.

    ``440111199001011234`` → ``440111********1234``; ``13812345678`` → ``138****5678``;
    ``020-86001234`` → ``020-****1234``; ``zhang.san@qq.com`` → ``z***@qq.com``.
    """
    if not text:
        return ""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _ID_CARD.sub(_mask_id_card, text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


# ------------------------------------------------------------------ removing details

_CN_NUM = "0-9０-９一二三四五六七八九十〇零两"
_DATE = re.compile(
    rf"(?:(?:[{_CN_NUM}]{{2,4}}|[0-9]{{2}})年)?[{_CN_NUM}]{{1,2}}月(?:[{_CN_NUM}]{{1,3}}[日号])?"
    rf"(?:(?:至|到|-|—|~)(?:[{_CN_NUM}]{{1,2}}月)?[{_CN_NUM}]{{1,3}}[日号])?|"
    rf"[{_CN_NUM}]{{2,4}}年(?:[{_CN_NUM}]{{1,2}}月)?|"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
)
_TIME = re.compile(
    rf"(?:凌晨|早上|上午|中午|下午|傍晚|晚上|夜间|当晚|当天|次日)?[{_CN_NUM}]{{1,3}}[时点]"
    rf"(?:[{_CN_NUM}]{{1,2}}分|半|许|左右)?|\d{{1,2}}:\d{{2}}(?::\d{{2}})?"
)
_SURNAME = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃"
    "武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂焦向柳邢骆岳齐梅莫庄辛管祝左涂谷"
    "祁时舒耿牟卜詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位霍翁隋甘景薄单包司柏宁柯阮桂闵"
    "解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来缪苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬"
    "屠连郁晏栾郜蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠"
    "僧桑荆谌银扬明沙伏岑习胥保和蔺赖"
)
_TITLE = (
    "先生|女士|小姐|阿姨|伯伯|叔叔|大爷|大妈|师傅|老师|同志|书记|主任|局长|所长|队长|科长|站长|"
    "镇长|经理|医生|律师|警官"
)
_TITLED = re.compile(rf"姓[{_SURNAME}]|[{_SURNAME}][\u4e00-\u9fff]{{0,2}}?(?={_TITLE})")
_ROLE = (
    "执法人员|工作人员|网格员|民警|辅警|社工|业主|住户|租户|来电人|诉求人|市民|网友|经办人|"
    "负责人|联系人|队员|保安|司机"
)
_ROLED = re.compile(
    rf"({_ROLE})[{_SURNAME}][\u4e00-\u9fff]{{1,2}}(?=[，,。、；; ）)]|$|[于在到对向已将等和及说称])"
)
_HANDLE = re.compile(
    r"(网友|用户|微信用户)[“\"「（(][^”\"」）)]{1,20}[”\"」）)]|(?<![A-Za-z0-9])[A-Z]{1,2}\d{6,}(?!\d)"
)
_HOUSE_NUMBER = re.compile(
    rf"(?<=[路街巷道里坊围约村社涌岗塘坑东南西北])[{_CN_NUM}A-Za-z\-之]{{1,6}}[号巷弄]"
    rf"(?:[{_CN_NUM}A-Za-z\-之]{{1,6}}[号弄栋座幢室房])*|"
    rf"[{_CN_NUM}A-Za-z]{{1,5}}[栋座幢][{_CN_NUM}A-Za-z\-]{{1,5}}[房室号]?|"
    rf"(?<![{_CN_NUM}])[{_CN_NUM}]{{3,5}}[房室](?![{_CN_NUM}])"
)
_PLACEHOLDER_RUN = re.compile(r"(〔[^〔〕]{1,6}〕)(?:[，、和及至到-]*\1)+")


def redact_details(text: str | None) -> str:
    """Remove what would identify a person or a case from a text others will read: dates and
    times, names (张先生, 姓陈, 执法人员王某某, 网友“UU008205”), phone, ID and e-mail
    (:func:`mask_personal`'s patterns, here removed whole), user codes and house numbers
    (广园中路88号, 3栋502房). Each becomes a placeholder in 〔〕 — 〔日期〕, 〔时间〕,
    〔姓名〕, 〔电话〕, 〔证件号〕, 〔邮箱〕, 〔编号〕, 〔门牌号〕 — and the role or title stays
    (执法人员〔姓名〕, 〔姓名〕先生)."""
    return _redact(text, dates=True)


_SELF_NAMED = re.compile(
    rf"(我叫|我是|本人|姓名[:：]?|名字[叫是:：]?|(?:{_ROLE})[:：])\s*([{_SURNAME}][\u4e00-\u9fff]{{1,3}}?)"
    r"(?=[，,。、；;：:！!？?）)\s于在到对向已将等和及说称想要家是住]|$|反映|投诉|举报|来电|咨询|求助)"
)


def mask_for_public(text: str | None, names: Iterable[str] = ()) -> str:
    """What the public may read of a caller's request or a unit's answer (公开答复): the
    text of :func:`redact_details` with its dates and times kept, and also the names
    people give as their own (我叫张三, 本人李明, 姓名：王五, 经办人：王小明) and the
    ``names`` known to be in it (a caller's name repeated bare in the unit's answer).
    Names, phones, ID numbers, e-mail addresses, user codes and house numbers become
    〔姓名〕, 〔电话〕, 〔证件号〕, 〔邮箱〕, 〔编号〕 and 〔门牌号〕."""
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        text = (text or "").replace(name, "〔姓名〕")
    return _redact(text, dates=False)


def names_given(text: str | None) -> list[str]:
    """The names people give as their own in ``text`` (我叫张三 → 张三)."""
    return [m.group(2) for m in _SELF_NAMED.finditer(text or "")]


def _redact(text: str | None, *, dates: bool) -> str:
    if not text:
        return ""
    text = _EMAIL.sub("〔邮箱〕", text)
    text = _ID_CARD.sub("〔证件号〕", text)
    text = _MOBILE.sub("〔电话〕", text)
    text = _LANDLINE.sub("〔电话〕", text)
    if dates:
        text = _DATE.sub("〔日期〕", text)
        text = _TIME.sub("〔时间〕", text)
    else:
        text = _SELF_NAMED.sub(r"\1〔姓名〕", text)
    text = _HANDLE.sub(lambda m: f"{m.group(1)}〔姓名〕" if m.group(1) else "〔编号〕", text)
    text = _ROLED.sub(r"\1〔姓名〕", text)
    text = _TITLED.sub("〔姓名〕", text)
    text = _HOUSE_NUMBER.sub("〔门牌号〕", text)
    return _PLACEHOLDER_RUN.sub(r"\1", text)
