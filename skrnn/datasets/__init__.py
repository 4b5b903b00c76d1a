"""Sequence data sets: generators of order-sensitive tasks and loaders of real data."""

from ._memory import make_delayed_label
from ._rotten_tomatoes import load_rotten_tomatoes
from ._sentiment import make_negation_sentiment
from ._ucr import load_ucr
from ._word_vectors import load_word_vectors

__all__ = [
    "load_rotten_tomatoes", "load_word_vectors", "make_delayed_label",
    "make_negation_sentiment",
]
__all__ += ["load_ucr"]
