"""When the dispatch model leaves a ticket to a person (转人工), read from its own evidence.

The rules of :mod:`hotline.intel.screening` come first (junk, another district, the hotline
itself, a follow-up); then the model's evidence: a top score under its evidence floor (nothing
like it in the history), a text naming no place and no matter of the dispatch catalogue,
several matters in one call, and a proposed department the catalogue does not back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.intel import screening
from hotline.intel.dispatch_evidence import clauses, matter_segments
from hotline.intel.duties import TERRITORIAL, duties_in, names_a_matter, several_duties

if TYPE_CHECKING:
    from hotline.intel.dispatch import DispatchModel

__all__ = ["CLAUSE_CONFIDENCE", "MATTER_CONFIDENCE", "cross_check", "matters", "screen"]

MATTER_CONFIDENCE = 0.85
"""How sure the model must be of each part of a call to count it as a matter of its own:
lower, and a long single-matter call reads as several."""
CLAUSE_CONFIDENCE = 0.5
"""The same for a part whose words name a duty of the unit in the dispatch catalogue; a plain
clause (no 还有, 另外) counts only so, and only in a call naming duties of several units."""


def screen(
    model: DispatchModel, text: str, address: str | None, top_score: float, unit: str | None
) -> screening.Screening:
    """Why the machine should not dispatch this text by itself, if it should not."""
    found = screening.screen(text, address, model.gazetteer_)
    if not found.routable:
        return found
    floor = getattr(model, "evidence_floor_", None)
    if floor is not None and top_score < floor:
        return screening.Screening(
            screening.UNFAMILIAR, "未识别出熟悉的诉求事项，与以往工单都不相似"
        )
    places = model.gazetteer_
    if (
        model.territorial_
        and not names_a_matter(text)
        and not (places.locate(address).town or places.locate(text).town)
    ):
        return screening.Screening(
            screening.UNFAMILIAR, "未说明本区的地点，也未提到本区单位职责内的事项"
        )
    found_matters = matters(model, text, address)
    if len(found_matters) > 1:
        names = "、".join(m["text"] for m in found_matters)
        return screening.Screening(
            screening.MULTI_MATTER, f"涉及多个事项：{names}", {"matters": found_matters}
        )
    return cross_check(model, text, unit) if unit is not None else found


def cross_check(model: DispatchModel, text: str, unit: str) -> screening.Screening:
    """The dispatch catalogue, a second reader: a department the text names no duty of,
    while it names duties of others, is a guess a person should confirm."""
    if not model.territorial_ or unit in model.gazetteer_.towns:
        return screening.ROUTABLE
    named = duties_in(text)
    if not named or any(d.unit == unit for d in named):
        return screening.ROUTABLE
    words = "、".join(f"“{d.word}”（{d.matter}）" for d in named[:3])
    return screening.Screening(
        screening.DISPUTED, f"文中{words}不属所推荐单位的职责，请人工确认", {}
    )


def matters(model: DispatchModel, text: str, address: str | None) -> list[dict]:
    """The distinct matters of a call, each with the unit its words point to.

    Parts the call marks (还有, 另外, 一个是…) count when the model reads each confidently.
    A call that lists matters without such words is read clause by clause, only when the
    dispatch catalogue finds duties of several units (the town's own among them) in
    different clauses, and a clause counts only for a unit whose duty it names: a long call
    about one matter has clauses leaning to other units on words of no duty ("交了三千八")."""
    floor = getattr(model, "evidence_floor_", 0.0)
    found = _read_parts(
        model, matter_segments(text), address, floor, MATTER_CONFIDENCE, CLAUSE_CONFIDENCE
    )
    if len(found) > 1 or not model.territorial_ or not several_duties(clauses(text)):
        return found if len(found) > 1 else []
    found = _read_parts(model, clauses(text), address, floor, 1.01, CLAUSE_CONFIDENCE)
    return found if len(found) > 1 else []


def _read_parts(
    model: DispatchModel,
    parts: list[str],
    address: str | None,
    floor: float,
    confidence: float,
    named_duty_confidence: float | None = None,
) -> list[dict]:
    """Each part the model reads confidently, one per unit, in the call's order: at
    ``confidence``, or at ``named_duty_confidence`` when its words name a duty of the unit."""
    if len(parts) < 2:
        return []
    raw, proba = model.part_scores(parts, address)
    found: list[dict] = []
    seen: set[int] = set()
    for part, scores, p in zip(parts, raw, proba, strict=True):
        unit = int(scores.argmax())
        if scores[unit] < floor or unit in seen:
            continue
        if p[unit] < confidence and not (
            named_duty_confidence is not None
            and p[unit] >= named_duty_confidence
            and _names_duty_of(model, part, str(model.classes_[unit]))
        ):
            continue
        seen.add(unit)
        short = part if len(part) <= 12 else part[:12] + "…"
        found.append({"text": short, "unit": str(model.classes_[unit])})
    return found


def _names_duty_of(model: DispatchModel, part: str, unit: str) -> bool:
    """Whether ``part`` names a duty of ``unit`` in the catalogue (a town: a territorial one)."""
    key = TERRITORIAL if unit in model.gazetteer_.towns else unit
    return any(d.unit == key for d in duties_in(part))
