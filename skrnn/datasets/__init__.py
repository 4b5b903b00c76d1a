"""Sequence data sets: generators of order-sensitive tasks and loaders of real data."""

from ._memory import make_delayed_label
from ._rotten_tomatoes import load_rotten_tomatoes
from ._sentiment import make_negation_sentiment

__all__ = ["load_rotten_tomatoes", "make_delayed_label", "make_negation_sentiment"]
