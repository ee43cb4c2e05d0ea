"""What a ticket search looks for: the character pairs (bigrams) of the words of a text.

A search term (``q``: 噪音, 路灯不亮, a road's name) is found anywhere in a ticket's
content or address, the way ``LIKE '%term%'`` finds it. Chinese is not written with
spaces between words, and a word people search for is often two characters, so the
index holds every pair of neighbouring word characters (letters, digits and CJK
characters, ``\\w``): if a text contains the term, it contains every pair of the term.
The pairs only narrow the search; the text itself is still checked.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def bigrams(text: str | None) -> list[str]:
    """The distinct pairs of neighbouring word characters of ``text``, sorted.

    A word of one character has none, so a term made of such words (水, "A 1") cannot be
    narrowed by the index.
    """
    pairs = {run[i : i + 2] for run in _WORD.findall(text or "") for i in range(len(run) - 1)}
    return sorted(pairs)
