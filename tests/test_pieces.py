"""Subword pieces: hashing, the sequencer's bags, the bag-mean embedding and estimators."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _embedding as emb
from skrnn import _network as net
from skrnn._input import check_token_list
from skrnn.preprocessing import TextSequencer
from skrnn.preprocessing._pieces import char_ngrams, piece_buckets

from ._gradcheck import numerical_gradient, relative_error

N_TOKENS, DIM = 12, 3
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(embedding_dim=4, hidden_layer_sizes=3, max_iter=3, random_state=0)
DOCS = [
    "a good film", "a bad film", "good acting and a good plot", "bad acting, bad plot",
    "the best film", "the worst film", "goodness me", "badly made",
] * 3
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0] * 3)


# --------------------------------------------------------------------------- hashing
def test_char_ngrams_of_the_wrapped_token():
    assert char_ngrams("ok", 3, 4) == ["<ok", "ok>", "<ok>"]
    assert char_ngrams("a", 4, 6) == []  # "<a>" is shorter than 4
    assert len(char_ngrams("word", 3, 6)) == 4 + 3 + 2 + 1


def test_piece_buckets_in_range_and_the_same_in_another_process():
    buckets = piece_buckets("unpretentious", 3, 6, 1000)
    assert buckets.min() >= 0 and buckets.max() < 1000
    # Python's str hash is salted per process; MurmurHash3 is not
    code = (
        "from skrnn.preprocessing._pieces import piece_buckets;"
        "print(piece_buckets('unpretentious', 3, 6, 1000).tolist())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env,
        cwd=os.path.dirname(os.path.dirname(__file__)), check=True,
    )
    assert eval(out.stdout) == buckets.tolist()


# --------------------------------------------------------------------------- sequencer
def test_sequencer_bags_word_id_first_then_pieces_after_the_vocabulary():
    seq = TextSequencer(subwords=(3, 4), n_buckets=50).fit(["good film", "bad film"])
    n_vocab = len(seq.vocabulary_)
    good, unseen = seq.transform(["good unseen"])[0]
    assert good[0] == seq.vocabulary_["good"]
    n_pieces = len(char_ngrams("good", 3, 4))
    assert np.all(good[1 : 1 + n_pieces] >= 2 + n_vocab)
    assert np.all(good[1 + n_pieces :] == 0)  # zero padding up to the widest bag
    # a token outside the vocabulary has no word id: only its pieces
    pieces = unseen[unseen != 0]
    assert len(pieces) == len(char_ngrams("unseen", 3, 4))
    assert np.all((pieces >= 2 + n_vocab) & (pieces < 2 + n_vocab + 50))


def test_sequencer_bags_edge_cases():
    seq = TextSequencer(subwords=(4, 5), n_buckets=50, max_length=2).fit(["a b c"])
    # "x" is unknown and "<x>" is too short for 4-grams: the bag of the unknown id
    assert seq.transform(["x"])[0].tolist() == [[1]]
    assert seq.transform([""])[0].tolist() == [[1]]
    assert seq.transform(["a b c"])[0].shape[0] == 2  # max_length cuts steps
    assert seq.transform(["a"])[0].tolist() == [[2]]  # known, no 4-gram


def test_inverse_transform_reads_the_word_ids_of_bags():
    seq = TextSequencer(subwords=(3, 4), n_buckets=50).fit(["good film"])
    bags = seq.transform(["good new film", "film"])
    tokens = seq.inverse_transform(bags)
    assert tokens[0].tolist() == ["good", "<unk>", "film"]
    assert tokens[1].tolist() == ["film"]
    # the same as a padded 3-D array
    width = max(b.shape[1] for b in bags)
    cube = np.zeros((2, 3, width), dtype=int)
    for i, b in enumerate(bags):
        cube[i, : len(b), : b.shape[1]] = b
    assert [t.tolist() for t in seq.inverse_transform(cube)] == [t.tolist() for t in tokens]


@pytest.mark.parametrize("params, error, match", [
    (dict(subwords=(4, 3)), ValueError, "min_n <= max_n"),
    (dict(subwords=(0, 3)), ValueError, "1 <= min_n"),
    (dict(subwords=(3,)), ValueError, "pair"),
    (dict(subwords=(3, 4), analyzer="char"), ValueError, 'analyzer="char"'),
    (dict(vocabulary=["a", "b", "a"]), ValueError, r"vocabulary\[2\] repeats"),
    (dict(vocabulary=["a", 3]), TypeError, r"vocabulary\[1\] is a int"),
    (dict(vocabulary=[]), ValueError, "vocabulary is empty"),
    (dict(vocabulary={"a": 2}), TypeError, "sequence of distinct tokens"),
])
def test_sequencer_bad_settings(params, error, match):
    with pytest.raises(error, match=match):
        TextSequencer(**params).fit(["a b"])


def test_fixed_vocabulary_numbers_its_words_from_2():
    seq = TextSequencer(vocabulary=["good", "bad"]).fit(["ignored words"])
    assert seq.vocabulary_ == {"good": 2, "bad": 3}
    assert seq.transform(["bad good other"])[0].tolist() == [3, 2, 1]


# --------------------------------------------------------------------------- the maths
def _bag_problem(rng, lengths, width=4):
    """Bags with repeated ids, padding inside bags, an all-padding bag mid-sequence;
    the last id never occurs."""
    seqs = []
    for n in lengths:
        bags = rng.randint(1, N_TOKENS - 1, size=(n, width))
        bags[rng.rand(n, width) < 0.3] = emb.PADDING_ID
        bags[:, 0] = rng.randint(2, N_TOKENS - 1, size=n)
        seqs.append(bags)
    seqs[0][1] = emb.PADDING_ID  # an empty bag reads as a zero input
    return check_token_list(seqs, "X", "test"), np.eye(2)[rng.randint(0, 2, len(lengths))]


def test_lookup_is_the_mean_of_the_bag_rows():
    rng = np.random.RandomState(0)
    table = rng.normal(size=(N_TOKENS, DIM))
    table[0] = 0.0
    bags = np.array([[2, 3, 3, 0], [5, 0, 0, 0], [0, 0, 0, 0]])
    out = emb.lookup(table, bags)
    assert np.allclose(out[0], (table[2] + 2 * table[3]) / 3)
    assert np.allclose(out[1], table[5])
    assert not out[2].any()


@pytest.mark.parametrize("cell_type", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_of_the_bag_mean(cell_type, sparse):
    rng = np.random.RandomState(1)
    seqs, Y = _bag_problem(rng, [4, 2, 3, 1])
    spec = net.NetSpec(cell_type, DIM, (3,), True, 2, n_tokens=N_TOKENS)
    flat = net.init_params(spec, rng, np.float64)
    n_table = emb.table_size(spec)
    params = net.unpack(flat, spec)
    reg_mask = net.regularised_mask(spec, np.float64)
    batch = net.make_batch(seqs, np.arange(seqs.n_samples))
    assert isinstance(batch.X, emb.Bags)

    def loss_value(store=None):
        g = np.empty_like(flat) if store is None else store
        row_grad = emb.RowGradient((N_TOKENS, DIM), np.float64)
        value = net.loss_grad(
            params, net.unpack(g, spec), spec, batch, Y[batch.order], None, "log_loss",
            alpha=0.2, reg_mask=reg_mask, flat=flat, grad_flat=g,
            embedding_grad=row_grad if sparse else None,
        )
        if sparse and store is not None:
            g[:n_table] = 0.0
            g[:n_table].reshape(N_TOKENS, DIM)[row_grad.rows] = row_grad.values
        return value

    analytic = np.full_like(flat, np.nan)
    loss_value(analytic)
    numeric = numerical_gradient(loss_value, flat)
    numeric[:DIM] = 0.0  # the padding row is never trained
    assert relative_error(analytic, numeric) <= 1e-6
    table = analytic[:n_table].reshape(N_TOKENS, DIM)
    assert not table[emb.PADDING_ID].any()
    # sparse: the never-read id has no gradient, not even the L2 term
    assert table[N_TOKENS - 1].any() != sparse


def test_row_gradient_of_bags_equals_the_dense_scatter():
    rng = np.random.RandomState(2)
    seqs, _ = _bag_problem(rng, [5, 3])
    d = rng.normal(size=(len(seqs.data), DIM))
    rows, values = emb.row_gradient(seqs.data, d)
    dense = np.zeros((N_TOKENS, DIM))
    for bag, g in zip(seqs.data, d, strict=True):
        ids = bag[bag != 0]
        for i in ids:
            dense[i] += g / len(ids)
    assert np.array_equal(rows, np.flatnonzero(np.abs(dense).sum(axis=1) > 0))
    assert np.allclose(values, dense[rows])


def test_known_ids_drops_unseen_ids_from_bags():
    seen = np.zeros(6, dtype=bool)
    emb.mark_seen(seen, np.array([[2, 3], [4, 0]]))
    bags = np.array([[2, 5, 9], [5, 9, 0], [0, 0, 0]])
    assert emb.known_ids(bags, seen).tolist() == [[2, 0, 0], [1, 0, 0], [0, 0, 0]]


# --------------------------------------------------------------------------- estimators
def _pieces():
    return TextSequencer(subwords=(3, 4), n_buckets=64)


def test_a_step_updates_only_the_rows_its_bags_read():
    seq = _pieces().fit(DOCS)
    X = seq.transform(DOCS)
    clf = RNNClassifier(**{**FAST, "max_iter": 1}).fit(X, LABELS)
    before = clf.embedding_.copy()
    few = seq.transform(["good film"] * 4)
    clf.partial_fit(few, [1, 0, 1, 0])
    read = np.unique(np.concatenate([b.ravel() for b in few]))
    rest = np.setdiff1d(np.arange(len(before)), read)
    assert np.array_equal(clf.embedding_[rest], before[rest])  # bit-identical
    read = read[read != 0]
    assert not np.isclose(clf.embedding_[read], before[read]).any()


def test_unseen_words_get_non_zero_vectors_from_their_pieces():
    # many buckets: no piece of "zzzz" collides with a piece of the training words
    sequencer = TextSequencer(subwords=(3, 4), n_buckets=100_000)
    pipe = make_pipeline(sequencer, RNNClassifier(**FAST)).fit(DOCS, LABELS)
    seq, clf = pipe[0], pipe[-1]
    vectors = {}
    for word in ("goodest", "badness", "zzzz"):
        bag = emb.known_ids(seq.transform([word])[0], clf._token_seen)
        vectors[word] = emb.lookup(clf.embedding_, bag)[0]
    # pieces seen in training ("<go", "goo", ...): a vector of its own, not the
    # unknown row; a word none of whose pieces was seen reads as unknown
    for word in ("goodest", "badness"):
        assert np.abs(vectors[word]).sum() > 0
        assert not np.allclose(vectors[word], clf.embedding_[emb.UNKNOWN_ID])
    assert not np.allclose(vectors["goodest"], vectors["badness"])
    assert np.array_equal(vectors["zzzz"], clf.embedding_[emb.UNKNOWN_ID])
    assert pipe.predict(["goodest", "badness"]).shape == (2,)


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_bags_of_one_id_read_as_single_ids(Est):
    seq = TextSequencer().fit(DOCS)
    ids = seq.transform(DOCS)
    bags = [x[:, None] for x in ids]
    a = Est(**FAST).fit(ids, LABELS)
    b = Est(**FAST).fit(bags, LABELS)
    assert np.allclose(a.embedding_, b.embedding_, rtol=1e-12, atol=1e-12)
    assert np.allclose(
        a.predict(seq.transform(["good plot", "unseen words"])),
        b.predict([x[:, None] for x in seq.transform(["good plot", "unseen words"])]),
    )


def test_a_3d_array_of_bags_reads_as_the_list():
    X = _pieces().fit(DOCS).transform(DOCS)
    T, P = max(len(x) for x in X), max(x.shape[1] for x in X)
    cube = np.zeros((len(X), T, P), dtype=np.intp)
    for i, x in enumerate(X):
        cube[i, : len(x), : x.shape[1]] = x
    a = RNNClassifier(**FAST).fit(X, LABELS)
    b = RNNClassifier(**FAST).fit(cube, LABELS)
    assert np.allclose(a.embedding_, b.embedding_)
    assert np.allclose(a.predict_proba(X), b.predict_proba(cube))


def test_pickle_round_trip_of_a_pieces_pipeline():
    pipe = make_pipeline(_pieces(), RNNClassifier(**FAST)).fit(DOCS, LABELS)
    again = pickle.loads(pickle.dumps(pipe))
    new = ["goodest film ever", "badly badly"]
    assert np.array_equal(pipe.predict_proba(new), again.predict_proba(new))


def test_grid_search_over_pieces_settings():
    pipe = make_pipeline(TextSequencer(), RNNClassifier(**FAST))
    grid = {
        "textsequencer__subwords": [None, (3, 4)],
        "textsequencer__n_buckets": [16, 64],
    }
    search = GridSearchCV(pipe, grid, cv=2).fit(DOCS, LABELS)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_seq2seq_reads_bags_aligned_and_encoder_decoder():
    seq = _pieces().fit(DOCS)
    X = seq.transform(DOCS)
    tags = [np.array([len(t) > 3 for t in doc.split()], dtype=int) for doc in DOCS]
    tagger = SeqToSeqRNN(mode="aligned", **FAST).fit(X, tags)
    out = tagger.predict(seq.transform(["goodest films"]))
    assert out[0].shape == (2,)
    coder = SeqToSeqRNN(mode="encoder_decoder", **FAST).fit(X, tags)
    assert coder.predict(X[:2])[0].ndim == 1


@pytest.mark.parametrize("X, match", [
    ([np.ones(2, dtype=int), np.ones((2, 2), dtype=int)],
     r"X\[1\] has shape.*X\[0\] is 1-D"),
    ([np.array([[2, -3]])], "negative token id -3"),
    ([np.array([[2, 3]]), np.zeros((2, 2), dtype=int)], r"X\[1\] holds only padding"),
    ([np.ones((2, 0), dtype=int)], "bags of 0 ids"),
    (np.zeros((2, 2, 2), dtype=int), r"X\[0\] holds only padding"),
])
def test_bad_bags(X, match):
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**FAST).fit(X, [0, 1][: len(X)])
