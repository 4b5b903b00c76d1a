"""The truecasing example's task, baselines and metrics (examples/truecasing.py)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "truecasing.py"


@pytest.fixture(scope="module")
def tc():
    spec = importlib.util.spec_from_file_location("truecasing", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the toy corpus: "the" is Capitalised twice and lower once in training
TRAIN = ["The cat sat.", "the cat ran.", "The dog."]
TEST = ["the Cat sat.", "A dog ran."]


def _toy(tc):
    lower, cap = tc.CASES.index("lower"), tc.CASES.index("Capitalised")
    return lower, cap, tc.case_tags(TRAIN), np.concatenate(tc.case_tags(TEST))


@pytest.mark.parametrize("token, case", [
    ("film", "lower"), ("Gaghan", "Capitalised"), ("I", "Capitalised"),
    ("TV", "UPPER"), ("CGI", "UPPER"), ("McGrath", "mixed"), ("xXx", "mixed"),
    (",", "lower"), ("2002", "lower"), ("Été", "Capitalised"),
])
def test_case_of(tc, token, case):
    assert tc.CASES[tc.case_of(token)] == case


@pytest.mark.parametrize("token", ["film", "Gaghan", "I", "TV", "Été", "'"])
def test_restore_case_inverts_the_tag(tc, token):
    assert tc.restore_case(token.lower(), tc.case_of(token)) == token


def test_tags_align_with_the_tokens_read(tc):
    texts = ["Don't watch it -- WOW!", "McGrath's 2002 film, Été.", ""]
    for text, tags in zip(texts, tc.case_tags(texts), strict=True):
        assert len(tags) == len(tc.lowercase_tokens(text))
    assert tc.lowercase_tokens(texts[0]) == ["don", "'", "t", "watch", "it", "-", "-",
                                             "wow", "!"]
    assert [tc.CASES[k] for k in tc.case_tags(texts[:1])[0]] == [
        "Capitalised", "lower", "lower", "lower", "lower", "lower", "lower", "UPPER",
        "lower"]


def test_has_case_scores_only_tokens_with_letters(tc):
    mask = tc.has_case(["the", ",", "2002", "28k", "été", "'"])
    np.testing.assert_array_equal(mask, [True, False, False, True, True, False])


def test_unseen_mask(tc):
    test_tokens = [t for s in TEST for t in tc.lowercase_tokens(s)]
    np.testing.assert_array_equal(
        tc.unseen_mask(test_tokens, TRAIN),
        [False, False, False, False, True, False, False, False],  # only "a" is new
    )


def test_most_frequent_tag_on_a_toy_corpus(tc):
    lower, cap, train_tags, true = _toy(tc)
    table, default = tc.fit_most_frequent_tag(TRAIN, train_tags)
    assert table["the"] == cap and table["cat"] == lower and default == lower
    pred = tc.predict_most_frequent_tag((table, default), TEST)
    # the->Capitalised, cat->lower, sat, ., a (unseen)->lower, dog, ran, .
    np.testing.assert_array_equal(pred, [cap, lower, lower, lower, lower, lower, lower,
                                         lower])
    test_tokens = [t for s in TEST for t in tc.lowercase_tokens(s)]
    acc = tc.accuracies(true, pred, tc.has_case(test_tokens),
                        tc.unseen_mask(test_tokens, TRAIN))
    # scored: the, cat, sat, a, dog, ran; right: sat, dog, ran; not lower: Cat, A
    assert acc == {"all": 3 / 6, "seen": 3 / 5, "unseen": 0.0, "not lower": 0.0,
                   "unseen, not lower": 0.0}


def test_most_frequent_tag_breaks_ties_towards_the_lower_tag(tc):
    texts = ["Rain rain", "rain Rain", "Rain"]
    table, default = tc.fit_most_frequent_tag(texts, tc.case_tags(texts))
    assert tc.CASES[table["rain"]] == "Capitalised"  # 3 against 2
    table, default = tc.fit_most_frequent_tag(texts[:2], tc.case_tags(texts[:2]))
    assert tc.CASES[table["rain"]] == "lower" and tc.CASES[default] == "lower"


def test_accuracies_of_an_empty_subset_are_nan(tc):
    true = np.array([0, 1])
    acc = tc.accuracies(true, np.array([0, 0]), np.array([True, True]),
                        np.array([False, False]))
    assert acc["all"] == 0.5 and acc["seen"] == 0.5 and np.isnan(acc["unseen"])
    assert acc["not lower"] == 0.0 and np.isnan(acc["unseen, not lower"])


def test_subset_masks(tc):
    true = np.array([0, 1, 2, 0, 3])
    scored = np.array([True, True, True, False, True])
    unseen = np.array([False, True, False, True, True])
    masks = tc.subset_masks(true, scored, unseen)
    assert list(masks) == list(tc.SUBSETS)
    np.testing.assert_array_equal(masks["seen"], [True, False, True, False, False])
    np.testing.assert_array_equal(masks["unseen"], [False, True, False, False, True])
    np.testing.assert_array_equal(masks["not lower"], [False, True, True, False, True])
    np.testing.assert_array_equal(masks["unseen, not lower"],
                                  [False, True, False, False, True])


def test_token_features_mark_the_ends_and_the_neighbours(tc):
    doc = ["the", "cat"]
    first, last = tc.token_features(doc, 0), tc.token_features(doc, 1)
    assert {"w=the", "p=<s>", "n=cat", "g=<t", "g=he>", "g=<the"} <= set(first)
    assert {"w=cat", "p=the", "n=</s>"} <= set(last)
    assert len(tc.per_token_features(TRAIN)) == sum(
        len(tc.lowercase_tokens(s)) for s in TRAIN)


def test_format_table_shows_the_spread_over_seeds(tc):
    runs = [{s: 0.5 for s in tc.SUBSETS}, {s: 0.7 for s in tc.SUBSETS}]
    table = tc.format_table({"net": runs, "baseline": runs[:1]})
    assert "0.600 +/- 0.100" in table and "0.500" in table.splitlines()[2]


def test_the_taggers_on_a_slice_of_the_snippets(tc):
    from skrnn.datasets import load_rotten_tomatoes

    try:
        data = load_rotten_tomatoes()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    texts, movies = data.data[::80], data.movie[::80]  # 61 snippets, many films
    train, test = tc.test_split(movies, test_size=0.25)
    assert not set(movies[train]) & set(movies[test])  # no film on both sides
    tags = tc.case_tags(texts)
    train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
    train_tags = [tags[i] for i in train]
    n_test_tokens = sum(len(tc.lowercase_tokens(s)) for s in test_texts)

    baseline = tc.fit_most_frequent_tag(train_texts, train_tags)
    logistic = tc.fit_logistic_tagger(train_texts, train_tags)
    # the token's own feature lets the logistic tagger learn the baseline's table, and
    # its neighbours tell first words apart: on its training tokens it does at least
    # as well
    train_true = np.concatenate(train_tags)
    train_acc = {
        name: np.mean(predict(model, train_texts) == train_true)
        for name, model, predict in [
            ("baseline", baseline, tc.predict_most_frequent_tag),
            ("logistic", logistic, tc.predict_logistic_tagger),
        ]
    }
    assert train_acc["logistic"] >= train_acc["baseline"]

    rnn = tc.fit_rnn_tagger(train_texts, train_tags, max_iter=1)
    pieces = tc.fit_rnn_tagger(train_texts, train_tags, max_iter=1, pieces=True)
    for predict, model in [(tc.predict_most_frequent_tag, baseline),
                           (tc.predict_logistic_tagger, logistic),
                           (tc.predict_rnn_tagger, rnn),
                           (tc.predict_rnn_tagger, pieces)]:
        pred = predict(model, test_texts)
        assert pred.shape == (n_test_tokens,)
        assert set(np.unique(pred)) <= set(range(len(tc.CASES)))


def test_the_pieces_sequencer_gives_one_bag_per_token(tc):
    texts = ["Gaghan captures the half-lit intimacy.", "A dull thriller."]
    sequencer = tc.rnn_tagger(pieces=True)[0].fit(texts)
    for text, bags in zip(texts, sequencer.transform(texts), strict=True):
        assert bags.ndim == 2 and len(bags) == len(tc.lowercase_tokens(text))
        assert (bags[:, 0] > 0).all()  # every token has at least one id
    # a word never seen still has pieces: more than the unknown id alone
    unseen = sequencer.transform(["zyzzyva"])[0]
    assert unseen.shape[0] == 1 and (unseen > 1).sum() > 1
