"""Pretrained starts: embedding_init rows aligned with a fixed vocabulary, frozen or not."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _embedding as emb
from skrnn import _network as net
from skrnn._input import check_token_list
from skrnn._training import FitConfig, Problem, batch_loss_grad, make_trainer
from skrnn.preprocessing import TextSequencer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

WORDS = ["good", "bad", "great", "awful", "film"]
VECTORS = np.random.RandomState(0).normal(size=(len(WORDS), 4))
FAST = dict(embedding_dim=4, hidden_layer_sizes=3, max_iter=3, random_state=0)
DOCS = ["good film", "bad film", "great film", "awful film", "good fun", "bad plot"] * 3
LABELS = np.array([1, 0, 1, 0, 1, 0] * 3)


def _pipe(sequencer=None, **estimator):
    sequencer = TextSequencer(vocabulary=WORDS) if sequencer is None else sequencer
    return make_pipeline(
        sequencer, RNNClassifier(**{**FAST, "embedding_init": VECTORS, **estimator})
    )


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_frozen_rows_keep_the_pretrained_vectors(solver):
    pipe = _pipe(solver=solver, freeze_embedding=True).fit(DOCS, LABELS)
    table = pipe[-1].embedding_
    assert np.array_equal(table[2 : 2 + len(WORDS)], VECTORS)
    assert not table[emb.PADDING_ID].any()
    # the other rows (here the unknown row, read for "fun" and "plot") still learn
    again = _pipe(solver=solver, freeze_embedding=True, max_iter=1).fit(DOCS, LABELS)
    assert not np.allclose(table[emb.UNKNOWN_ID], again[-1].embedding_[emb.UNKNOWN_ID])


def test_fine_tuned_rows_start_from_the_vectors_and_move():
    one = _pipe(max_iter=1, learning_rate_init=1e-9).fit(DOCS, LABELS)[-1].embedding_
    assert np.allclose(one[2 : 2 + len(WORDS)], VECTORS, atol=1e-6)
    tuned = _pipe().fit(DOCS, LABELS)[-1].embedding_
    assert not np.allclose(tuned[2:4], VECTORS[:2])


def test_frozen_rows_get_no_gradient_dense_or_sparse():
    seqs = TextSequencer(vocabulary=WORDS).fit([]).transform(DOCS)
    clf = RNNClassifier(**FAST, embedding_init=VECTORS, freeze_embedding=True)
    clf.fit(seqs, LABELS)
    spec = clf._spec
    flat = net.pack(clf._params(), spec, np.float64)
    trainer = make_trainer(flat, spec)
    problem = Problem(
        check_token_list(seqs, "X", "test"), LABELS[:, None].astype(float), None, spec,
        clf._loss, None,
    )
    config = FitConfig(frozen_rows=emb.pretrained_rows(VECTORS), alpha=0.5)
    index = np.arange(len(seqs))
    batch_loss_grad(config, trainer, problem, index, None)
    table_grad = trainer.grad_flat[: emb.table_size(spec)].reshape(spec.n_tokens, -1)
    assert not table_grad[2 : 2 + len(WORDS)].any()
    assert table_grad[emb.UNKNOWN_ID].any()
    batch_loss_grad(config, trainer, problem, index, None, sparse=True)
    rows = trainer.embedding_grad.rows
    assert rows.tolist() == [emb.UNKNOWN_ID]


def test_pretrained_rows_of_words_unseen_in_training_are_read():
    # "great" and "awful" never occur in training: their pretrained rows count as seen
    train = [d for d in DOCS if "great" not in d and "awful" not in d]
    y = LABELS[[i for i, d in enumerate(DOCS) if d in train]]
    pipe = _pipe(freeze_embedding=True).fit(train, y)
    clf = pipe[-1]
    assert clf._token_seen[2 : 2 + len(WORDS)].all()
    ids = pipe[0].transform(["great", "awful", "unheard"])
    assert [emb.known_ids(x, clf._token_seen).tolist() for x in ids] == [[4], [5], [1]]
    proba = pipe.predict_proba(["great", "awful"])
    assert not np.allclose(proba[0], proba[1])


def test_the_table_covers_the_pretrained_rows_and_the_pieces():
    pipe = _pipe(TextSequencer(vocabulary=WORDS, subwords=(3, 4), n_buckets=32))
    pipe.fit(DOCS, LABELS)
    table = pipe[-1].embedding_
    assert len(table) > 2 + len(WORDS)  # pieces come after the vocabulary
    assert np.allclose(table[2 : 2 + len(WORDS)], VECTORS, atol=0.2)
    # a vocabulary larger than any id in the data still gets all its rows
    clf = RNNClassifier(**FAST, embedding_init=VECTORS).fit([[2, 3], [3, 2]], [0, 1])
    assert clf.embedding_.shape == (2 + len(WORDS), 4)


@pytest.mark.parametrize("Est, y", [
    (RNNRegressor, LABELS.astype(float)),
    (SeqToSeqRNN, [np.arange(len(d.split())) % 2 for d in DOCS]),
])
def test_every_estimator_starts_from_the_rows(Est, y):
    X = TextSequencer(vocabulary=WORDS).fit([]).transform(DOCS)
    est = Est(**FAST, embedding_init=VECTORS, freeze_embedding=True).fit(X, y)
    assert np.array_equal(est.embedding_[2 : 2 + len(WORDS)], VECTORS)


def test_grid_search_over_freezing_inside_a_pipeline():
    search = GridSearchCV(
        _pipe(), {"rnnclassifier__freeze_embedding": [False, True]}, cv=2
    ).fit(DOCS, LABELS)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_[-1]
    if best.freeze_embedding:
        assert np.array_equal(best.embedding_[2 : 2 + len(WORDS)], VECTORS)


def test_clone_keeps_the_array_and_warm_start_keeps_the_table():
    clf = RNNClassifier(**FAST, embedding_init=VECTORS)
    assert clone(clf).embedding_init is not None
    X = TextSequencer(vocabulary=WORDS).fit([]).transform(DOCS)
    clf.set_params(warm_start=True).fit(X, LABELS)
    first = clf.embedding_.copy()
    clf.fit(X, LABELS)  # continues: does not start from the vectors again
    assert not np.allclose(clf.embedding_, first)


@pytest.mark.parametrize("params, match", [
    (dict(embedding_init=VECTORS), "embedding_dim is None"),
    (dict(embedding_dim=3, embedding_init=VECTORS), "4 columns but embedding_dim=3"),
    (dict(embedding_dim=4, embedding_init=VECTORS[0]), r"got shape \(4,\)"),
    (dict(embedding_dim=4, embedding_init=np.empty((0, 4))), r"got shape \(0, 4\)"),
    (dict(embedding_dim=4, embedding_init=np.where(VECTORS > 1, np.nan, VECTORS)),
     r"embedding_init\[\d\] holds NaN"),
    (dict(embedding_dim=4, embedding_init=[["a"] * 4]), "2-D array of numbers"),
    (dict(embedding_dim=4, freeze_embedding=True), "embedding_init is None"),
])
def test_bad_pretrained_settings(params, match):
    with pytest.raises(ValueError, match=match):
        RNNClassifier(hidden_layer_sizes=3, max_iter=1, **params).fit([[2, 3]], [1])


def test_a_fitted_pipeline_is_a_donor_of_its_rows():
    """The recipe of the user guide: a fitted text pipeline's vocabulary (in id order)
    and ``embedding_`` rows start another pipeline, on other documents, where every
    shared word reads the donor's row."""
    donor = make_pipeline(
        TextSequencer(), RNNClassifier(embedding_dim=4, hidden_layer_sizes=3,
                                       max_iter=3, random_state=1),
    ).fit(DOCS, LABELS)
    vocabulary = donor[0].vocabulary_
    words = sorted(vocabulary, key=vocabulary.get)  # ids 2, 3, ...: id order
    assert [vocabulary[w] for w in words] == list(range(2, 2 + len(words)))
    rows = donor[-1].embedding_[2 : 2 + len(words)]
    model = make_pipeline(
        TextSequencer(vocabulary=words),
        RNNClassifier(**{**FAST, "embedding_init": rows, "freeze_embedding": True}),
    ).fit(["a great plot", "an awful film", "good", "bad fun"], [1, 0, 1, 0])
    for word in ["great", "awful", "film", "plot", "fun"]:
        np.testing.assert_array_equal(
            model[-1].embedding_[model[0].vocabulary_[word]],
            donor[-1].embedding_[vocabulary[word]],
        )
