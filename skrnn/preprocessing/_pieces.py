"""Subword pieces: the hashed character n-grams of a token, as fastText reads a word.

A token ``t`` is wrapped as ``"<t>"`` (so that prefixes and suffixes differ from the
same letters inside a word) and every character n-gram of the wrapped form with
``min_n <= n <= max_n`` is hashed into one of ``n_buckets`` buckets. The hash is
MurmurHash3 (32 bits, seed 0) of the n-gram's UTF-8 bytes: the same in every process
and on every platform, unlike Python's salted ``hash()``.

Pure functions; nothing here knows about scikit-learn estimators.
"""

import numpy as np
from sklearn.utils import murmurhash3_32

BOUNDARY_START, BOUNDARY_END = "<", ">"


def char_ngrams(token, min_n, max_n):
    """Return the character n-grams of ``"<token>"`` (``min_n <= n <= max_n``) in order.

    Parameters
    ----------
    token : str
        One token.
    min_n, max_n : int
        The smallest and largest n-gram length.

    Returns
    -------
    ngrams : list of str
        Shorter n-grams first; empty when ``"<token>"`` is shorter than ``min_n``.

    Examples
    --------
    >>> char_ngrams("ok", 3, 4)
    ['<ok', 'ok>', '<ok>']
    """
    wrapped = f"{BOUNDARY_START}{token}{BOUNDARY_END}"
    return [
        wrapped[i : i + n]
        for n in range(min_n, max_n + 1)
        for i in range(len(wrapped) - n + 1)
    ]


def piece_buckets(token, min_n, max_n, n_buckets):
    """Return the bucket (``0 <= b < n_buckets``) of every n-gram of ``token``, in order.

    Parameters
    ----------
    token : str
        One token.
    min_n, max_n : int
        The smallest and largest n-gram length.
    n_buckets : int
        Number of hash buckets.

    Returns
    -------
    buckets : ndarray of shape (n_ngrams,), dtype intp
    """
    ngrams = char_ngrams(token, min_n, max_n)
    return np.fromiter(
        (murmurhash3_32(g, seed=0, positive=True) % n_buckets for g in ngrams),
        dtype=np.intp, count=len(ngrams),
    )
