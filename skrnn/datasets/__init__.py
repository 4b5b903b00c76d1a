"""Sequence data sets: generators of order-sensitive tasks, loaders of real data, and a
reader of sequences from disk chunk by chunk.
"""

from ._chunks import iter_chunks
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
__all__ += ["iter_chunks"]
