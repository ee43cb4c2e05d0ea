"""The synthetic Baiyun district for ``make demo``: a seeded, reproducible year of tickets.

>>> from hotline.demo import generate_district
>>> tickets = generate_district(n_tickets=200, seed=1)

The records are plain data (:class:`DemoTicket`, :class:`DemoEvent`) with their
ground truth (``topic``, ``true_unit``, ``event_key``); a loader replays each
ticket's events through the life cycle into the database.
"""

from hotline.demo.bursts import BURSTS
from hotline.demo.generator import generate_district
from hotline.demo.profiles import BAD_UNITS, GOOD_UNITS, profile
from hotline.demo.records import DemoEvent, DemoTicket
from hotline.demo.topics import Topic, catalogue

__all__ = [
    "BAD_UNITS",
    "BURSTS",
    "GOOD_UNITS",
    "DemoEvent",
    "DemoTicket",
    "Topic",
    "catalogue",
    "generate_district",
    "profile",
]
