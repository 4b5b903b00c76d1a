"""TextSequencer: vocabulary, transform and inverse, edge cases, and life in pipelines."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier
from skrnn.datasets import make_negation_sentiment
from skrnn.preprocessing import TextSequencer

from ._api_checks import TEXT_API_CHECKS

DOCS = ["The film was good.", "Not good, not bad: boring!", "good good fun"]


def test_ids_follow_frequency_then_token_order_and_reserve_0_and_1():
    seq = TextSequencer().fit(DOCS)
    # good x4, not x2, then the singletons alphabetically
    assert seq.vocabulary_ == {
        "good": 2, "not": 3, "bad": 4, "boring": 5, "film": 6, "fun": 7, "the": 8,
        "was": 9,
    }
    names = seq.get_feature_names_out()
    assert names[0] == "<pad>" and names[1] == "<unk>"
    assert all(names[i] == t for t, i in seq.vocabulary_.items())
    out = seq.transform(["Good film, not the best."])
    assert len(out) == 1 and out[0].dtype.kind == "i"
    assert out[0].tolist() == [2, 6, 3, 8, 1]  # in text order; "best" is unknown


def test_fit_transform_equals_fit_then_transform():
    seq = TextSequencer()
    a = seq.fit_transform(DOCS)
    b = seq.fit(DOCS).transform(DOCS)
    assert all(np.array_equal(x, z) for x, z in zip(a, b, strict=True))


def test_max_tokens_and_min_frequency():
    seq = TextSequencer(max_tokens=2).fit(DOCS)
    assert seq.vocabulary_ == {"good": 2, "not": 3}
    assert seq.transform(["good bad"])[0].tolist() == [2, 1]
    seq = TextSequencer(min_frequency=2).fit(DOCS)
    assert seq.vocabulary_ == {"good": 2, "not": 3}
    assert TextSequencer(min_frequency=5).fit(DOCS).vocabulary_ == {}
    assert TextSequencer(min_frequency=5).fit(DOCS).transform(DOCS)[2].tolist() == [1] * 3


@pytest.mark.parametrize("truncate, expected", [("end", [2, 3]), ("start", [3, 2])])
def test_max_length_truncates_the_chosen_end(truncate, expected):
    seq = TextSequencer(max_length=2, truncate=truncate).fit(["a b"])
    assert seq.transform(["a b b a"])[0].tolist() == expected
    assert seq.transform(["b"])[0].tolist() == [3]  # shorter ones are left alone


def test_empty_and_unknown_documents_become_one_unknown_token():
    seq = TextSequencer().fit(DOCS)
    out = seq.transform(["", "   ", "?!", "zebra"])
    assert [x.tolist() for x in out] == [[1], [1], [1], [1]]
    assert TextSequencer().fit(["", "?"]).vocabulary_ == {}


def test_unicode_accents_and_scripts():
    docs = ["Café crème très bon", "naïve CAFÉ", "東京 は 良い", "emoji 🙂 ok"]
    seq = TextSequencer().fit(docs)
    assert {"café", "crème", "très", "東京", "良い"} <= set(seq.vocabulary_)
    assert seq.transform(["CAFÉ"])[0].tolist() == [seq.vocabulary_["café"]]
    ascii_ = TextSequencer(strip_accents="unicode").fit(docs)
    assert "cafe" in ascii_.vocabulary_ and "café" not in ascii_.vocabulary_
    chars = TextSequencer(analyzer="char").fit(["東京 🙂"])
    ids = chars.transform(["東京 🙂"])[0]
    assert "".join(chars.inverse_transform([ids])[0]) == "東京 🙂"
    # bytes are decoded like CountVectorizer does
    assert seq.transform(["café".encode()])[0].tolist() == [seq.vocabulary_["café"]]


def test_char_analyzer_keeps_spaces_and_order():
    seq = TextSequencer(analyzer="char").fit(["ab  ba"])
    tokens = seq.inverse_transform(seq.transform(["Ab  bA"]))[0]
    assert "".join(tokens) == "ab ba"  # lowercased, white space normalised


def test_custom_tokenizer_preprocessor_analyzer_and_stop_words():
    seq = TextSequencer(tokenizer=str.split, token_pattern=None).fit(["don't stop"])
    assert set(seq.vocabulary_) == {"don't", "stop"}
    seq = TextSequencer(preprocessor=lambda d: d.replace("!", " bang ")).fit(["wow!"])
    assert set(seq.vocabulary_) == {"wow", "bang"}  # preprocessor replaces lowercasing
    seq = TextSequencer(analyzer=lambda d: d.split("|")).fit(["A|b|A"])
    assert seq.transform(["A|c"])[0].tolist() == [2, 1]
    seq = TextSequencer(stop_words=["the"]).fit(["the film the end"])
    assert set(seq.vocabulary_) == {"film", "end"}


def test_inverse_transform_round_trip_and_padding():
    seq = TextSequencer().fit(DOCS)
    ids = seq.transform(DOCS)
    tokens = seq.inverse_transform(ids)
    analyze = seq.build_analyzer()
    assert [t.tolist() for t in tokens] == [analyze(d) for d in DOCS]
    padded = np.zeros((2, 6), dtype=int)
    padded[0, :3], padded[1, :2] = [2, 0, 3], [1, 999]  # inner 0 is dropped too
    assert [t.tolist() for t in seq.inverse_transform(padded)] == [
        ["good", "not"], ["<unk>", "<unk>"],
    ]
    with pytest.raises(ValueError, match="negative"):
        seq.inverse_transform([np.array([2, -1])])
    with pytest.raises(TypeError, match="floats"):
        seq.inverse_transform([np.array([2.5])])


WORDS = st.text(alphabet="abcdéxyz東", min_size=1, max_size=5)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(WORDS, max_size=6), min_size=1, max_size=6),
    st.integers(1, 8),
)
def test_round_trip_property(docs_as_words, max_length):
    docs = [" ".join(words) for words in docs_as_words]
    seq = TextSequencer(max_length=max_length).fit(docs)
    ids = seq.transform(docs)
    back = seq.inverse_transform(ids)
    for words, x, tokens in zip(docs_as_words, ids, back, strict=True):
        kept = [w.lower() for w in words][:max_length]
        assert tokens.tolist() == (kept or ["<unk>"])
        assert 1 <= len(x) <= max_length and x.min() >= 1
        # the text rebuilt from the tokens reads as the same ids
        assert np.array_equal(seq.transform([" ".join(tokens)])[0], x)


def test_errors():
    with pytest.raises(NotFittedError):
        TextSequencer().transform(DOCS)
    with pytest.raises(ValueError, match="string object received"):
        TextSequencer().fit("one document")
    with pytest.raises(TypeError, match=r"raw_documents\[1\] is a float, not a str"):
        TextSequencer().fit(["ok", np.nan])
    with pytest.raises(TypeError, match="iterable of str"):
        TextSequencer().fit(None)
    with pytest.raises(InvalidParameterError, match="max_tokens"):
        TextSequencer(max_tokens=0).fit(DOCS)
    with pytest.raises(InvalidParameterError, match="truncate"):
        TextSequencer(truncate="middle").fit(DOCS)
    with pytest.raises(InvalidParameterError, match="analyzer"):
        TextSequencer(analyzer="char_wb").fit(DOCS)




@pytest.mark.parametrize("check", TEXT_API_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_api_checks(check):
    check("TextSequencer", TextSequencer())


def test_sklearn_skips_data_checks_for_text_like_count_vectorizer():
    from sklearn.feature_extraction.text import CountVectorizer

    tags = TextSequencer().__sklearn_tags__()
    ref = CountVectorizer().__sklearn_tags__()
    assert tags.input_tags.string == ref.input_tags.string is True
    assert tags.input_tags.two_d_array == ref.input_tags.two_d_array is False


# --------------------------------------------------------------------------- pipelines
def _pipeline(**params):
    params = {"embedding_dim": 8, "hidden_layer_sizes": 8, "max_iter": 3, **params}
    return make_pipeline(TextSequencer(), RNNClassifier(random_state=0, **params))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pickled_pipeline_predicts_the_same():
    X, y = make_negation_sentiment(120, random_state=0)
    pipe = _pipeline().fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    probe = X[:10] + ["an unheard-of word", ""]
    assert np.array_equal(restored.predict_proba(probe), pipe.predict_proba(probe))
    assert np.array_equal(clone(pipe).fit(X, y).predict_proba(probe),
                          pipe.predict_proba(probe))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_and_cross_val_score_on_raw_strings():
    X, y = make_negation_sentiment(90, random_state=1)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = GridSearchCV(
        _pipeline(),
        {
            "rnnclassifier__cell_type": ["gru", "lstm"],
            "textsequencer__max_length": [None, 4],
        },
        cv=cv,
    ).fit(X, y)
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.predict(X[:5]).shape == (5,)
    # the sequencer is refit inside each fold: the network's table matches its vocabulary
    best = grid.best_estimator_
    assert best[-1].embedding_.shape[0] == len(best[0].vocabulary_) + 2
    scores = cross_val_score(_pipeline(), X, y, cv=cv)
    assert scores.shape == (3,) and ((0 <= scores) & (scores <= 1)).all()


def test_vocabulary_of_the_sequencer_sizes_the_table():
    X, y = make_negation_sentiment(60, random_state=2)
    pipe = _pipeline(max_iter=1)
    with pytest.warns(Warning):
        pipe.fit(X, y)
    assert pipe[-1].embedding_.shape == (len(pipe[0].vocabulary_) + 2, 8)
