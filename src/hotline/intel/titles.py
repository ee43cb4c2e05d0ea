"""诉求标题: a short title suggested from what the caller said (the operator may edit it).

The title is the first sentence of the content without the operator's opening words
(市民来电反映：…), cut at :data:`MAX_CHARS` characters.
"""

from __future__ import annotations

import re

MAX_CHARS = 30
_OPENING = re.compile(
    r"^(?:市民|群众|来电人|网友|居民|业主|诉求人)?(?:来电|来信|留言|致电)?"
    r"(?:反映|表示|称|说|诉求)?[:：，,]?\s*"
)
_SENTENCE = re.compile(r"[。！？!?；;\n]")


def suggest_title(content: str | None) -> str | None:
    """``"市民来电反映：工地夜间施工，噪音扰民。请处理。"`` → ``"工地夜间施工，噪音扰民"``."""
    text = (content or "").strip()
    if not text:
        return None
    text = _OPENING.sub("", text, count=1).strip() or text
    first = _SENTENCE.split(text, maxsplit=1)[0].strip(" ，,：:") or text
    if len(first) > MAX_CHARS:
        cut = max(first.rfind("，", 0, MAX_CHARS), first.rfind(",", 0, MAX_CHARS))
        first = first[:cut] if cut >= 8 else first[: MAX_CHARS - 1] + "…"
    return first
