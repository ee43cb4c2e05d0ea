"""The 依据 line: evidence in whole words, the kind of matter, the place — never internals."""

from __future__ import annotations

from hotline.web.format import reason_text


def test_the_basis_reads_as_words_the_matter_and_the_place() -> None:
    detail = {"reasons": ["停水", "没水"], "matter": "供水", "place": "嘉禾望岗"}
    assert reason_text(detail) == "“停水”“没水”（供水）；地点：嘉禾望岗"


def test_a_basis_stored_before_the_matter_was_named_still_reads_as_words() -> None:
    detail = {"reasons": [["同和街道", 1.1851], ["占道", 0.4]], "place": None}
    text = reason_text(detail)
    assert text == "“同和街道”“占道”" and not any(c in text for c in "()[]'_0123456789")
