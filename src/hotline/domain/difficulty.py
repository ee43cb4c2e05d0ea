"""疑难度: how a ticket's difficulty score reads, everywhere it is shown.

A difficulty score is the estimated chance that a ticket goes wrong (returned, extended,
replied late, ends not satisfied or is reopened), shown as points out of 100. One rule
turns it into a level, on the ticket page, in the API, in the 疑难预警 notices and in the
jobs: :func:`difficulty_level`. The level is read from the points as shown (a score of
0.496 shows as 50 and is 高), so a number and its level never disagree.

| level | points | meaning |
|---|---|---|
| 高 | 50 and more | more likely than not to go wrong: warned (疑难预警) |
| 中 | 30 to 49 | clearly above the usual share of tickets that go wrong |
| 低 | below 30 | about usual or below |
"""

from __future__ import annotations

HIGH = 50
"""Points from which a ticket is 高 (and shows the 疑难预警 badge)."""
MEDIUM = 30
"""Points from which a ticket is 中."""
LEVELS = ("高", "中", "低")
UNKNOWN = "未知"


def difficulty_points(score: float) -> int:
    """A score in [0, 1] as the points shown (0–100, rounded half up)."""
    return int(min(max(float(score), 0.0), 1.0) * 100 + 0.5)


def difficulty_level(score: float | None) -> str:
    """高 / 中 / 低 of a score (未知 without one), read from its points."""
    if score is None:
        return UNKNOWN
    points = difficulty_points(score)
    if points >= HIGH:
        return "高"
    return "中" if points >= MEDIUM else "低"


def is_difficult(score: float | None) -> bool:
    """Whether the score is 高: the ticket page's 疑难预警 badge."""
    return difficulty_level(score) == "高"


def shown_reasons(score: float | None, reasons: list[str]) -> list[str]:
    """The reasons a reader sees: none for a 低 ticket (nothing about it needs care), else
    the reasons as given (each true of the ticket and pushing its score up)."""
    return list(reasons) if difficulty_level(score) in ("高", "中") else []
