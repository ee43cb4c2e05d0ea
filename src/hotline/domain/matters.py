"""The nature of a matter (事项性质): which categories are 行政执法 or 调解 matters.

Some assessment rules treat these matters apart: in a 行政执法 matter the caller is
often the party being enforced against, and in a 调解 matter one of two parties is
always disappointed, so the caller's rating measures the outcome of a dispute rather
than the unit's service. Guangdong asks units not to chase satisfaction on 行政调解类
and 执法办案类 matters (粤办函〔2021〕216号); the 三率 scheme leaves their callbacks out
of 满意率 (:attr:`hotline.domain.scheme.ScoringScheme.satisfaction_exempt`).

A category belongs to a kind when its path (``政法/仲裁与调解/司法调解``, as tickets
store it) is one of the kind's paths or lies under one. The paths are those of the
shipped tree (``hotline/data/categories.csv``); this table is the one place that says
which of them are 行政执法 or 调解 matters.
"""

from __future__ import annotations

from functools import lru_cache

ENFORCEMENT = "enforcement"
MEDIATION = "mediation"
MATTER_LABELS = {ENFORCEMENT: "行政执法", MEDIATION: "调解"}
"""Kinds of matter an assessment scheme may treat apart, with their Chinese names."""

MATTER_PATHS: dict[str, tuple[str, ...]] = {
    # 执法办案: the unit investigates and sanctions; the caller is often the party
    ENFORCEMENT: (
        "城乡建设/城市建设和市政管理/城管执法",
        "城乡建设/城乡规划/违章建筑",
        "环境保护/环保管理/环境执法",
        "卫生计生/人口计生/计生执法",
        "卫生计生/医政监管/卫生执法",
        "政法/警务督察/警务执法",
        "教育文体/文化/文化市场与文化执法",
    ),
    # 行政调解 and arbitration: a dispute between two parties the unit mediates
    MEDIATION: (
        "政法/仲裁与调解",
        "环境保护/环保管理/污染损害纠纷调解",
        "卫生计生/医患纠纷",
        "国土资源/土地资源管理/土地权属纠纷",
        "民政/区划地名/边界纠纷",
        "农村农业/林业管理/林权改革及权属纠纷",
        "农村农业/水利水电/水事纠纷",
        "农村农业/土地承包经营/宅基地纠纷",
        "劳动和社会保障/劳动关系/劳动合同纠纷",
        "劳动和社会保障/劳动关系/劳务派遣纠纷",
    ),
}


@lru_cache(maxsize=4096)
def matter_of(category: str | None) -> str | None:
    """The kind of matter of a category path (``"enforcement"``, ``"mediation"``), or
    ``None`` for an ordinary matter or a ticket without a category."""
    if not category:
        return None
    for kind, paths in MATTER_PATHS.items():
        for path in paths:
            if category == path or category.startswith(path + "/"):
                return kind
    return None
