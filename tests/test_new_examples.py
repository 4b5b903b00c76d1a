"""The core functions of the gallery examples describe_the_image and long_range_agreement.

The examples are scripts, not modules of the package: they are imported from their files
(their experiments run only under ``__main__``).
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


describe = _load("describe_the_image")
agreement = _load("long_range_agreement")


# --------------------------------------------------------------------------- digit names
def test_digit_names_spell_each_digit():
    words = ["".join(w) for w in describe.spell(range(10))]
    assert words == ["zero", "one", "two", "three", "four", "five", "six", "seven",
                     "eight", "nine"]
    assert all(w.dtype.kind == "U" and w.ndim == 1 for w in describe.spell([3, 7]))


def test_image_layouts():
    images = np.arange(3 * 64, dtype=float).reshape(3, 8, 8)
    one_step = describe.as_sequences(images, "one step of 64 pixels")
    rows = describe.as_sequences(images, "8 rows of 8 pixels")
    assert one_step.shape == (3, 1, 64) and rows.shape == (3, 8, 8)
    np.testing.assert_array_equal(one_step[1, 0], images[1].ravel())
    np.testing.assert_array_equal(rows[2, 5], images[2, 5])  # step 5 is row 5


def test_word_scores():
    true = np.array(["three", "one", "six"])
    assert describe.exact_match(true, true) == 1.0
    wrong = np.array(["three", "on", "sx"])
    assert describe.exact_match(wrong, true) == pytest.approx(1 / 3)
    # "thre" vs "three": 4 of 5 letters; "one" right; "sevn" vs "six": 's' of 4 letters
    assert describe.character_accuracy(["thre", "one", "sevn"], true) == pytest.approx(
        (4 + 3 + 1) / (5 + 3 + 4))


def test_character_accuracy_is_what_score_computes():
    rng = np.random.RandomState(0)
    digits = rng.randint(10, size=60)
    images = rng.normal(size=(60, 8, 8))
    images[:, 0, :] += digits[:, None]  # the first row tells the digit
    X = describe.as_sequences(images, "one step of 64 pixels")
    model = describe.describer(random_state=0, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, describe.spell(digits))
    predicted = model.predict(X)
    # after 3 epochs some words are wrong, some of the wrong length
    assert describe.exact_match(describe.words_of(predicted),
                                describe.words_of(describe.spell(digits))) < 1
    assert describe.character_accuracy(predicted, describe.spell(digits)) == \
        pytest.approx(model.score(X, describe.spell(digits)))


def test_baselines():
    digits_train = np.array([1, 1, 2, 3])
    assert list(describe.most_frequent_word(digits_train, 2)) == ["one", "one"]
    rng = np.random.RandomState(0)
    images = rng.normal(size=(40, 8, 8))
    labels = np.arange(40) % 4
    images[:, 0, 0] += 10 * labels  # one pixel tells the digit
    from sklearn.linear_model import LogisticRegression

    words = describe.classifier_lookup(LogisticRegression(max_iter=1000), images, labels,
                                       images)
    assert list(words) == [describe.DIGIT_NAMES[d] for d in labels]


# --------------------------------------------------------------------------- agreement
def _nouns(tokens):
    return [(i, agreement.NOUN_NUMBER[w]) for i, w in enumerate(tokens)
            if w in agreement.NOUN_NUMBER]


@pytest.mark.parametrize("k", [0, 3, 4, 5, 8, 16, 33])
def test_prefix_structure(k):
    prefixes, labels, ks = agreement.make_agreement(20, [k], random_state=k)
    assert len(prefixes) == 20 and set(ks) == {k}
    assert sorted(np.unique(labels, return_counts=True)[1]) == [10, 10]
    for prefix, label in zip(prefixes, labels, strict=True):
        tokens = prefix.split()
        assert len(tokens) == k + 2  # "the", the subject, k words of distractor
        assert tokens[0] == "the"
        nouns = _nouns(tokens)
        # the subject is the second word, and its number gives the verb
        assert nouns[0][0] == 1
        assert agreement.LABELS[nouns[0][1]] == label
        # every other noun with a number is of the opposite number: exactly one (the
        # attractor) when there is a distractor, so both numbers appear once
        others = [n for _, n in nouns[1:]]
        assert others == ([] if k == 0 else [1 - nouns[0][1]])
        # the rest of the distractor carries no number: no present-tense verbs or nouns
        # outside the tables
        known = (set(agreement.NOUN_NUMBER) | set(agreement.INVARIANT)
                 | set(agreement.PREPOSITIONS) | set(agreement.ADJECTIVES)
                 | set(agreement.VERBS) | {"the", "that"})
        assert set(tokens) <= known


def test_last_noun_heuristic_is_always_wrong_beyond_zero():
    prefixes, labels, ks = agreement.make_agreement(30, [0, 4, 12], random_state=0)
    right = agreement.last_noun_guess(prefixes) == labels
    assert right[ks == 0].all() and not right[ks > 0].any()


def test_generator_is_seeded_and_lengths_add_up():
    a = agreement.make_agreement(5, [8, 16], random_state=3)
    b = agreement.make_agreement(5, [8, 16], random_state=3)
    assert a[0] == b[0]
    rng = np.random.RandomState(0)
    for k in [0, 3, 4, 5, 6, 7, 11, 64]:
        lengths = agreement.phrase_lengths(k, rng)
        assert sum(lengths) == k and set(lengths) <= set(agreement.PHRASES)


@pytest.mark.parametrize("k", [-1, 1, 2])
def test_impossible_distance(k):
    with pytest.raises(ValueError, match=f"k={k} words"):
        agreement.phrase_lengths(k, np.random.RandomState(0))


def test_one_hot():
    X = agreement.one_hot([np.array([2, 3, 2]), np.array([1])], n_tokens=5)
    assert [x.shape for x in X] == [(3, 5), (1, 5)]
    np.testing.assert_array_equal(X[0].argmax(axis=1), [2, 3, 2])
    assert all((x.sum(axis=1) == 1).all() for x in X)


def test_held_out_prefixes_are_new():
    train, y_train, test, y_test = agreement.train_test_prefixes(8, 100, 50)
    assert len(test) == len(y_test) > 0 and not set(train) & set(test)
    # at k = 0 every prefix is seen in training: none is dropped
    _, _, test0, _ = agreement.train_test_prefixes(0, 100, 50)
    assert len(test0) == 50


def test_bag_of_words_cannot_tell_the_subject():
    """With one noun of each number in every prefix, a bag of words is at chance."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    train, y_train, test, y_test = agreement.train_test_prefixes(8, 400, 200)
    bag = CountVectorizer(token_pattern=r"[a-z]+")
    bow = LogisticRegression(C=10.0, max_iter=2000).fit(bag.fit_transform(train), y_train)
    assert bow.score(bag.transform(test), y_test) < 0.65
