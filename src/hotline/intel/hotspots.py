"""Hot matters of a window (热点): one engine for the server, the jobs and `hotline topics`.

:func:`find_hot` is a pure function of a window of tickets (and, optionally, the
tickets just before it, ``history``):

1. the stock phrases of the call centre's writing are learnt (from the history and the
   window, at most 5,000 texts) and taken out of every text (:mod:`hotline.intel.stock`);
2. topics: a spherical k-means over the texts' character n-grams
   (:class:`hotline.intel.topics.TopicModel`);
3. same-event groups (:func:`hotline.intel.links.same_event_groups`: alike texts, one
   town, within 3 days) that no topic holds, or that are a small part of a larger topic,
   are told apart as matters of their own: a local event told in different words is
   one matter, not split over topics;
4. every matter gets its figures and 热度指数 (:func:`hotline.intel.topics.describe`),
   its earlier rate from the history (the history's tickets nearest to its centroid),
   and the burst rules (:func:`hotline.intel.bursts.fire`: 突发 and 新发热点);
5. the hottest ``top`` and every matter that fired are labelled
   (:mod:`hotline.intel.labels`): 「星城花园 · 停水」, or a representative clause.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel import labels as naming
from hotline.intel import links
from hotline.intel.bursts import Baseline, BurstAlert, Firing, fire
from hotline.intel.ngrams import MAX_CHARS, prune_rows
from hotline.intel.stock import StockPhrases
from hotline.intel.topics import (
    DAY,
    Topic,
    TopicModel,
    Window,
    day_offset,
    describe,
    first_calls,
    members_by_topic,
    normalise_short,
    seconds_of,
)

STOCK_TEXTS = 5000
"""The stock phrases are learnt from at most this many of the latest texts."""
MIN_EVENT = 5
"""A same-event group smaller than this stays inside its topics."""
EVENT_SHARE = 0.5
"""A same-event group is a matter of its own unless one topic holds this share of it
and the group is at least this share of that topic."""
PLACE_JOIN = 0.1
"""How like a hot matter a ticket naming its place must be to join it."""
LABEL_SAMPLE = 16
BACKGROUND = 3000
"""What happened is told apart from at most this many of the window's texts."""
"""Labels are read from at most this many tickets of a matter."""


@dataclass
class HotFindings:
    """What :func:`find_hot` found: the hottest matters, ranked, and every matter that
    fired (突发 or 新发热点), newest first; both labelled."""

    topics: list[Topic]
    alerts: list[BurstAlert]
    stock_phrases: list[str] = field(default_factory=list)

    def table(self, place_names: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The table of hot-issue studies (热点问题表): 热度排名, 问题ID, 热度指数, 时间范围,
        地点/人群, 问题描述."""
        return issue_table(self.topics, place_names)


def issue_table(
    topics: list[Topic] | list[dict[str, Any]], place_names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """热点问题表 rows of ranked matters (``place_names``: town code → name)."""
    names = place_names or {}
    rows = []
    for rank, t in enumerate(topics, start=1):
        d = t if isinstance(t, dict) else t.as_dict()
        towns = "、".join(names.get(p, p) for p in d["places"][:3])
        first, last = (d[k][:10].replace("-", "/") for k in ("first_seen", "last_seen"))
        rows.append({
            "热度排名": rank,
            "问题ID": rank,
            "热度指数": round(float(d["hotness"]), 2),
            "时间范围": first if first == last else f"{first} 至 {last}",
            "地点/人群": d.get("place") or d.get("people") or towns,
            "问题描述": d.get("title") or d["label"],
        })  # fmt: skip
    return rows


def find_hot(
    w: Window,
    *,
    history: Window | None = None,
    top: int = 10,
    stock: StockPhrases | None = None,
    model: TopicModel | None = None,
    within: timedelta = links.SAME_EVENT_WINDOW,
) -> HotFindings:
    """The hot matters of window ``w`` (see the module doc). ``history``: tickets before
    the window (their stock phrases and the matters' earlier rates); ``stock`` or a
    fitted ``model`` skip the learning."""
    if len(w.texts) < 2:
        return HotFindings([], [])
    stock = stock or getattr(model, "stock_", None) or learn_stock(w, history)
    texts = stock.strip_all(w.texts)
    model = model or TopicModel(stock=stock)
    if not hasattr(model, "centroids_"):
        model.stock_ = stock
        model.fit_stripped(texts)
    x = model.transform(texts, stripped=True)
    labels, sims = model.index_.nearest(x)
    labels = np.where(sims >= model.min_similarity, labels, -1)
    secs = seconds_of(w.times)
    events = links.same_event_groups(
        links.Tickets(texts, w.times, w.places, w.writers), within=within
    )
    groups = matters(labels, events, secs, model.min_size)
    found = _Found(w, texts, x, secs, history, stock, model)
    described = found.describe_all(groups)
    described.sort(key=lambda m: -m.topic.hotness)
    described = found.join_by_place(described, described[: max(2 * top, 20)])
    described.sort(key=lambda m: -m.topic.hotness)
    ranked = [found.label(m) for m in described[:top]]
    alerts = [found.alert(m) for m in described if m.first is not None]
    alerts.sort(key=lambda a: a.fired_at, reverse=True)
    return HotFindings(ranked, alerts, list(stock.phrases_))


def learn_stock(w: Window, history: Window | None = None) -> StockPhrases:
    """Stock phrases of the latest texts of the history and the window."""
    texts = [*(history.texts if history else []), *w.texts][-STOCK_TEXTS:]
    groups = None
    if w.groups is not None and (history is None or history.groups is not None):
        groups = [*(history.groups if history and history.groups else []), *w.groups]
        groups = groups[-STOCK_TEXTS:]
    return StockPhrases().fit(texts, groups)


def matters(
    labels: np.ndarray, events: list[list[int]], secs: np.ndarray, min_size: int
) -> list[tuple[np.ndarray, str]]:
    """The window's matters: topics, with the same-event groups told apart, unless one
    topic holds most of the group and the group is most of the topic (then the topic
    takes the group's other tickets too); each with its members in time order and its
    source."""
    own = labels.copy()
    source: dict[int, str] = {}
    sizes = Counter(own.tolist())
    next_id = int(own.max(initial=-1)) + 1
    for event in events:
        if len(event) < MIN_EVENT:
            continue
        holder, held = Counter(own[event].tolist()).most_common(1)[0]
        inside = holder >= 0 and held >= EVENT_SHARE * len(event)
        if inside and len(event) >= EVENT_SHARE * sizes[holder]:
            own[event] = holder  # the event is (most of) this topic: all of it
            continue
        own[event] = next_id
        source[next_id] = "event"
        next_id += 1
    return [
        (members, source.get(k, "topic"))
        for k, members in members_by_topic(own, secs, min_size).items()
    ]


@dataclass
class _Matter:
    topic: Topic
    first: Firing | None
    members: np.ndarray
    central: int
    centre: sp.csr_matrix


ALIKE_ROWS = 5000
"""Tickets compared with every matter's centroid at a time: the products of a whole
window (tickets × matters) would hold most of the jobs worker's memory."""


def _alike(rows: sp.csr_matrix, centres: sp.csr_matrix, least: float) -> sp.csr_matrix:
    """Which ``rows`` are at least ``least`` like each centroid (1, else left out), a
    block of :data:`ALIKE_ROWS` rows at a time."""
    blocks = []
    for lo in range(0, rows.shape[0], ALIKE_ROWS):
        block = sp.csr_matrix(rows[lo : lo + ALIKE_ROWS] @ centres.T)
        block.data = (block.data >= least).astype(np.float32)
        block.eliminate_zeros()
        blocks.append(block)
    if not blocks:
        return sp.csr_matrix((0, centres.shape[0]), dtype=np.float32)
    return sp.csr_matrix(sp.vstack(blocks, format="csr"))


def _cosines(rows: sp.csr_matrix, centre: sp.csr_matrix) -> np.ndarray:
    return np.asarray((rows @ centre.T).todense()).ravel()


class _Found:
    """The window's matters being described, fired and labelled (shared state)."""

    def __init__(
        self,
        w: Window,
        texts: list[str],
        x: sp.csr_matrix,
        secs: np.ndarray,
        history: Window | None,
        stock: StockPhrases,
        model: TopicModel,
    ) -> None:
        self.w, self.texts, self.x, self.secs = w, texts, x, secs
        self.start = min(w.times)
        self.day0 = day_offset(self.start)
        self.history = history if history is not None and len(history.texts) else None
        self.stock, self.model = stock, model

    def join_by_place(self, described: list[_Matter], hot: list[_Matter]) -> list[_Matter]:
        """A hot matter's place gathers its reports: a ticket within 3 days of the
        matter that names its place and is like it (cosine ≥ ``PLACE_JOIN``, and at least
        as like it as its own matter) joins it, and so does a matter most of whose
        tickets are such and whose centroid is like it: a report of 金鹏花园's water cut
        told in words of its own still counts. The hot matters are ``hot`` and every one that
        fired; the matters that changed are described again (a matter left with fewer
        than 3 tickets is gone)."""
        if not described:  # a window too small for any matter
            return described
        hot = [*hot, *(m for m in described if m.first is not None and m not in hot)]
        owner = np.full(len(self.texts), -1, dtype=np.int64)
        for k, m in enumerate(described):
            owner[m.members] = k
        centres = sp.csr_matrix(sp.vstack([m.centre for m in described]))
        changed = False
        for m in hot:
            k = described.index(m)
            place = self.label(m).core_place
            if not place or len(place) < 3:
                continue
            members = np.flatnonzero(owner == k)
            if len(members) == 0:  # gone into another
                continue
            times = self.secs[members]
            lo, hi = times.min() - 3 * DAY, times.max() + 3 * DAY
            near = np.flatnonzero((self.secs >= lo) & (self.secs <= hi) & (owner != k))
            named = np.asarray([i for i in near.tolist() if place in self.texts[i].lower()])
            if len(named) == 0:
                continue
            here = _cosines(self.x[named], m.centre)
            theirs = owner[named]
            mine = np.zeros(len(named))
            held = theirs >= 0
            if held.any():
                rows = self.x[named[held]].multiply(centres[theirs[held]])
                mine[held] = np.asarray(rows.sum(axis=1)).ravel()
            moving = named[(here >= PLACE_JOIN) & (here >= mine)]
            for other in set(theirs.tolist()) - {-1, k}:  # another telling of it
                tickets = np.flatnonzero(owner == other)
                if np.isin(tickets, named).sum() * 2 >= len(tickets) and (
                    _cosines(described[other].centre, m.centre)[0] >= PLACE_JOIN
                ):
                    moving = np.union1d(moving, tickets)
            if len(moving):
                owner[moving] = k
                changed = True
        if not changed:
            return described
        groups = members_by_topic(owner, self.secs, self.model.min_size)
        same = {k for k, g in groups.items() if np.array_equal(g, described[k].members)}
        redone = self.describe_all(
            [(g, described[k].topic.source) for k, g in groups.items() if k not in same]
        )
        return [described[k] for k in same] + redone

    def describe_all(self, groups: list[tuple[np.ndarray, str]]) -> list[_Matter]:
        """Every matter's figures and first firing (centroids, central tickets and
        earlier rates computed for all matters at once)."""
        if not groups:
            return []
        owner = np.concatenate([np.full(len(m), g) for g, (m, _s) in enumerate(groups)])
        rows = np.concatenate([m for m, _s in groups])
        member = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (owner, rows)),
            shape=(len(groups), self.x.shape[0]),
        )
        centres = prune_rows(member @ self.x, 150)
        sims = np.asarray(self.x[rows].multiply(centres[owner]).sum(axis=1)).ravel()
        starts = np.r_[0, np.cumsum([len(m) for m, _s in groups])[:-1]]
        central = [
            int(rows[lo + np.argmax(sims[lo : lo + len(m)])])
            for lo, (m, _s) in zip(starts, groups, strict=True)
        ]
        bases = self._baselines(centres, groups)
        return [
            self._matter(members, source, central[g], bases[g], centres[g])
            for g, (members, source) in enumerate(groups)
        ]

    def _matter(
        self,
        members: np.ndarray,
        source: str,
        central: int,
        base: Baseline,
        centre: sp.csr_matrix,
    ) -> _Matter:
        topic = describe(
            members, self.w, self.secs, central=central, before=base.count,
            before_days=base.days, source=source, day0=self.day0,
        )  # fmt: skip
        jump, build = fire(np.sort(self.secs[first_calls(members, self.w)]), base)
        topic.burst, topic.emerging = jump is not None, build is not None
        first = min((f for f in (jump, build) if f), key=lambda f: f.at, default=None)
        if first is not None:
            topic.fired_at = (self.start + timedelta(seconds=first.at)).isoformat()
            topic.fired_after = first.after
        return _Matter(topic, first, members, central, centre)

    def _baselines(
        self, centres: sp.csr_matrix, groups: list[tuple[np.ndarray, str]]
    ) -> list[Baseline]:
        """What each matter's earlier rate counts besides its own tickets: the tickets of
        the window and of the history at least as like its centroid as the topics'
        minimum cosine."""
        like = _alike(self.x, centres, self.model.min_similarity).tocsc()
        past_counts = np.zeros(centres.shape[0], dtype=np.int64)
        days = 0.0
        if self.history is not None:
            past_like = _alike(self.history_vectors, centres, self.model.min_similarity)
            past_counts = np.bincount(past_like.indices, minlength=centres.shape[0])
            days = max((self.start - min(self.history.times)).total_seconds() / DAY, 0.0)
        out = []
        for g, (members, _source) in enumerate(groups):
            rows = like.indices[like.indptr[g] : like.indptr[g + 1]]
            others = np.setdiff1d(rows, members, assume_unique=False)
            out.append(Baseline(int(past_counts[g]), days, np.sort(self.secs[others])))
        return out

    def label(self, m: _Matter) -> Topic:
        topic, members, central = m.topic, m.members, m.central
        if topic.label:
            return topic
        step = max(1, len(members) // LABEL_SAMPLE)
        picked = [central, *[int(i) for i in members[::step][:LABEL_SAMPLE] if i != central]]
        texts = [self.texts[i][:MAX_CHARS] for i in picked]
        words = [naming.words_of(t) for t in texts]
        named = [naming.places_in(ws) for ws in words]
        topic.place = naming.most_named(named)
        topic.core_place = naming.core_name(named, topic.place)
        topic.people = naming.most_named([naming.people_in(ws) for ws in words])
        names = [n for n in (topic.place, topic.people) if n]
        background, n_background = self.background
        topic.words = naming.matter_words(words, texts, background, n_background, exclude=names)
        parts = naming.clauses_of(texts[0])
        likeness = _cosines(self.model.transform(parts, stripped=True), m.centre) if parts else None
        topic.title = naming.title_of(texts[0], topic.words + names, central=likeness)
        topic.label = naming.label_of(topic.place, topic.words, topic.title)
        topic.keywords = [*names, *topic.words]
        topic.representative = normalise_short(self.texts[central] or self.w.texts[central])
        return topic

    @functools.cached_property
    def history_vectors(self) -> sp.csr_matrix:
        assert self.history is not None
        return self.model.transform(self.stock.strip_all(self.history.texts), stripped=True)

    @functools.cached_property
    def background(self) -> tuple[str, int]:
        """The window's texts (about ``BACKGROUND`` of them, evenly spread) as one string,
        to count how often a word is written outside a matter; and how many."""
        picked = self.texts[:: max(1, len(self.texts) // BACKGROUND)]
        return "\n".join(t[:MAX_CHARS] for t in picked), len(picked)

    def alert(self, m: _Matter) -> BurstAlert:
        topic, first = self.label(m), m.first
        assert first is not None and topic.fired_at is not None
        return BurstAlert(
            label=topic.label,
            keywords=topic.keywords,
            source=topic.source,
            kind=first.kind,
            size=topic.size,
            writers=topic.writers,
            places=topic.places[:5],
            ids=topic.ids,
            first_seen=topic.first_seen,
            last_seen=topic.last_seen,
            fired_at=topic.fired_at,
            fired_after=first.after,
            representative=topic.representative,
            place=topic.place,
            words=topic.words,
        )


def hot_topics(w: Window, *, top: int = 10, **kwargs: Any) -> list[Topic]:
    """The ``top`` hottest matters of the window, labelled and flagged."""
    return find_hot(w, top=top, **kwargs).topics


def burst_alerts(w: Window, **kwargs: Any) -> list[BurstAlert]:
    """Every matter of the window that fired (突发, 新发热点), newest first."""
    return find_hot(w, top=0, **kwargs).alerts


__all__ = [
    "EVENT_SHARE",
    "MIN_EVENT",
    "PLACE_JOIN",
    "STOCK_TEXTS",
    "HotFindings",
    "burst_alerts",
    "find_hot",
    "hot_topics",
    "issue_table",
    "learn_stock",
    "matters",
]
