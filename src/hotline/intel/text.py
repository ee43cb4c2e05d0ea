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
