"""Keep the garbage collector's full passes short in a serving process.

A web worker holds ~230,000 objects that live as long as it does (the app, SQLAlchemy's
mappers and caches, the dispatch model, the gazetteer). CPython's full collection walks
them all: 119 ms measured, during which the worker answers nothing, and under load it
ran every few seconds — a tail of slow requests. ``gc.freeze()`` moves the objects alive
now out of the collector's reach (reference counting still frees them), so a full pass
walks only what requests allocate.
"""

from __future__ import annotations

import gc


def settle(*, full: bool = False) -> None:
    """Collect (the young generations, or everything with ``full``) and freeze the rest:
    after start-up, and after a model is loaded."""
    gc.collect(2 if full else 1)
    gc.freeze()
