"""Persistence: pickle, joblib and skops.io round trips, and the skrnn version stamp."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import skrnn
from skrnn import InconsistentVersionWarning, RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn.preprocessing import TextSequencer, WordVectorSequencer

try:  # the public home of the list
    from skrnn.persistence import SKOPS_TRUSTED_TYPES
except ImportError:  # before skrnn.persistence existed
    from skrnn._persistence import SKOPS_TRUSTED_TYPES

SMALL = {"hidden_layer_sizes": 4, "max_iter": 3, "random_state": 0}


# training runs here are deliberately short
pytestmark = pytest.mark.usefixtures("quiet_convergence")


def _center(X):
    return [x - x.mean(axis=0) for x in X]


# frozen word vectors for WordVectorSequencer: no data package needed
WORD_VECTORS = {"good": [1.0, 0.2], "bad": [-1.0, 0.1], "movie": [0.0, 1.0],
                "not": [0.3, -0.5]}


def _models():
    """Every estimator kind, fitted, with the data to predict on (name -> (model, X)),
    and the data each was fitted on (name -> (X, y))."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(2, 8), 2)) for _ in range(30)]
    y = np.array([int(x[0, 0] > 0) for x in X])
    seq = rng.normal(size=(30, 7, 1))
    ids = [rng.randint(0, 3, size=6) for _ in range(30)]
    onehot = [np.eye(3)[i[:-1]] for i in ids]
    docs = ["good movie", "bad movie", "not good", "not bad at all", "good good"] * 6
    labels = np.array([1, 0, 0, 1, 1] * 6)
    X32 = [x.astype(np.float32) for x in X]
    token_ids = [np.r_[i, 4] for i in ids]  # ids 0..4, 0 is padding
    unfitted = {
        "classifier": (RNNClassifier(cell_type="lstm", bidirectional=True, **SMALL),
                       X, y, X),
        "classifier-multiclass-sgd": (RNNClassifier(solver="sgd", **SMALL),
                                      X, np.arange(30) % 3, X),
        "classifier-embedding": (RNNClassifier(embedding_dim=3, **SMALL),
                                 token_ids, y, token_ids),
        "regressor-lbfgs": (RNNRegressor(solver="lbfgs", cell_type="elman", **SMALL),
                            X, np.c_[y, -y], X),
        "regressor-float32": (RNNRegressor(**SMALL), X32, y * 1.0, X32),
        "seq2seq-aligned": (SeqToSeqRNN(**SMALL), seq[:, :-1], seq[:, 1:, 0], seq),
        "seq2seq-categorical": (SeqToSeqRNN(**SMALL), onehot, [i[1:] for i in ids],
                                onehot),
        "seq2seq-encoder-decoder": (SeqToSeqRNN(mode="encoder_decoder", **SMALL),
                                    X, [x[:2, 0] for x in X], X),
        "pipeline-text": (make_pipeline(TextSequencer(),
                                        RNNClassifier(embedding_dim=3, **SMALL)),
                          docs, labels, docs),
        "pipeline-word-vectors": (
            make_pipeline(WordVectorSequencer(word_vectors=WORD_VECTORS,
                                              target_encoding=True),
                          RNNClassifier(solver="sgd", **SMALL)),
            docs, labels, docs),
        "pipeline-transformer": (make_pipeline(FunctionTransformer(_center),
                                               RNNRegressor(**SMALL)), X, y * 1.0, X),
        "esn-classifier": (RNNClassifier(cell_type="esn", hidden_layer_sizes=10,
                                         random_state=0), X, y, X),
        "esn-seq2seq": (SeqToSeqRNN(cell_type="esn", hidden_layer_sizes=10,
                                    random_state=0), seq[:, :-1], seq[:, 1:, 0], seq),
    }
    models, training = {}, {}
    for name, (model, X_fit, y_fit, X_predict) in unfitted.items():
        models[name] = (model.fit(X_fit, y_fit), X_predict)
        training[name] = (X_fit, y_fit)
    return models, training


with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    MODELS, TRAINING = _models()


def _outputs(model, X):
    out = {"predict": model.predict(X)}
    if hasattr(model, "predict_proba"):
        out["predict_proba"] = model.predict_proba(X)
    return out


def _assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], list):
            for x, y in zip(a[key], b[key], strict=True):
                np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(a[key], b[key])


def _joblib_round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("round_trip", [lambda m: pickle.loads(pickle.dumps(m)),
                                        _joblib_round_trip], ids=["pickle", "joblib"])
def test_round_trip_predicts_identically(name, round_trip):
    model, X = MODELS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = round_trip(model)
    _assert_same_outputs(_outputs(loaded, X), _outputs(model, X))
    # an unfitted clone pickles as well
    pickle.loads(pickle.dumps(clone(model)))


def _skops_round_trip(model):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(model)
    # the documented types, and the functions of the pipelines of this file
    own = [t for t in sio.get_untrusted_types(data=data) if t.endswith("._center")]
    return sio.loads(data, trusted=list(SKOPS_TRUSTED_TYPES) + own)


def _continue_training(model, X, y):
    """One partial_fit epoch of ``model`` (of a pipeline's last step, on what the steps
    before it make of ``X``), on the data it was fitted on."""
    if hasattr(model, "steps"):
        X = model[:-1].transform(X)
        model = model[-1]
    # mini-batches: the epoch's shuffle, drawn from the saved random state, matters
    model.set_params(batch_size=7)
    kwargs = {}
    if isinstance(model, (RNNClassifier, SeqToSeqRNN)) and hasattr(model, "classes_"):
        kwargs["classes"] = model.classes_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.partial_fit(X, y, **kwargs)
    return model


def _state(model):
    """The fitted numbers of a model (its last step): weights, counters, history."""
    est = model[-1] if hasattr(model, "steps") else model
    state = {"n_iter_": est.n_iter_, "t_": est.t_, "loss_curve_": est.loss_curve_}
    for name in ("output_coef_", "output_intercept_", "embedding_"):
        if hasattr(est, name):
            state[name] = getattr(est, name)
    for name in ("recurrent_coefs_", "decoder_coefs_"):
        for k, layer in enumerate(getattr(est, name, [])):
            for key, value in layer.items():
                state[f"{name}[{k}][{key}]"] = value
    return state


# training continues: the optimizer state (Adam moments, SGD velocity, row-sparse
# embedding state), the random state that shuffles and the ESN's normal equations
PARTIAL_FIT_MODELS = sorted(
    name for name, (model, _) in MODELS.items()
    if hasattr(model[-1] if hasattr(model, "steps") else model, "partial_fit")
)


@pytest.mark.parametrize("name", PARTIAL_FIT_MODELS)
@pytest.mark.parametrize("round_trip", [lambda m: pickle.loads(pickle.dumps(m)),
                                        _joblib_round_trip, _skops_round_trip],
                         ids=["pickle", "joblib", "skops"])
def test_round_trip_keeps_training_state(name, round_trip):
    """The original and a reloaded copy, trained one more epoch on the same data, end
    equal: nothing that training continues from is lost in saving."""
    model, X = MODELS[name]
    X_fit, y_fit = TRAINING[name]
    # fitted anew, never pickled or copied (a copy would lose what a round trip loses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        original = clone(model).fit(X_fit, y_fit)
    coef_before = np.array(_state(original)["output_coef_"], copy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = round_trip(original)
    _continue_training(original, X_fit, y_fit)
    _continue_training(loaded, X_fit, y_fit)
    expected, got = _state(original), _state(loaded)
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    _assert_same_outputs(_outputs(loaded, X), _outputs(original, X))
    # the epoch did change the model, so the comparisons above say something
    assert not np.array_equal(expected["output_coef_"], coef_before)


def test_copies_from_pickle_are_independent_of_the_original():
    """The baseline the test above builds on: a pickled copy trained alone leaves the
    original as it was."""
    model, X = MODELS["classifier-multiclass-sgd"]
    before = _outputs(model, X)
    copy = pickle.loads(pickle.dumps(model))
    _continue_training(copy, *TRAINING["classifier-multiclass-sgd"])
    _assert_same_outputs(_outputs(model, X), before)


def test_models_carry_the_skrnn_version():
    model, _ = MODELS["classifier"]
    state = model.__getstate__()
    assert state["_skrnn_version"] == skrnn.__version__
    # the stamp lives in the saved state only, not on the estimator
    assert "_skrnn_version" not in pickle.loads(pickle.dumps(model)).__dict__


@pytest.mark.parametrize("name", ["classifier", "seq2seq-aligned"])
def test_loading_another_version_warns(name, monkeypatch):
    model, X = MODELS[name]
    saved, original = pickle.dumps(model), skrnn.__version__
    monkeypatch.setattr(skrnn, "__version__", "99.0.0")
    with pytest.warns(InconsistentVersionWarning) as record:
        loaded = pickle.loads(saved)
    warning = record[0].message
    assert warning.estimator_name == type(model).__name__
    assert warning.original_skrnn_version == original
    assert warning.current_skrnn_version == "99.0.0"
    assert "99.0.0" in str(warning) and type(model).__name__ in str(warning)
    # it still works: the warning is advice, not a refusal
    _assert_same_outputs(_outputs(loaded, X), _outputs(model, X))


def test_state_without_a_stamp_warns_as_unknown_version():
    model, _ = MODELS["classifier"]
    state = model.__getstate__()
    del state["_skrnn_version"]
    fresh = RNNClassifier.__new__(RNNClassifier)
    with pytest.warns(InconsistentVersionWarning, match="unknown"):
        fresh.__setstate__(state)


# --------------------------------------------------------------------------- skops
@pytest.mark.parametrize("name", sorted(MODELS))
def test_skops_round_trip_with_the_documented_trusted_types(name, tmp_path):
    sio = pytest.importorskip("skops.io")
    model, X = MODELS[name]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    skrnn_types = [t for t in untrusted if t.startswith("skrnn.")]
    # every skrnn type a model holds is in the documented list
    assert set(skrnn_types) <= set(SKOPS_TRUSTED_TYPES), set(skrnn_types) - set(
        SKOPS_TRUSTED_TYPES)
    # the only other types a user must trust are the documented ones (scipy's CSR
    # matrix) and the functions of the pipeline itself
    others = set(untrusted) - set(SKOPS_TRUSTED_TYPES)
    assert others <= {"tests.test_persistence._center"}, others
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = sio.load(path, trusted=list(SKOPS_TRUSTED_TYPES) + sorted(others))
    _assert_same_outputs(_outputs(loaded, X), _outputs(model, X))


def test_skops_refuses_untrusted_types_by_default(tmp_path):
    sio = pytest.importorskip("skops.io")
    model, _ = MODELS["classifier"]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)


def test_skops_load_of_another_version_warns(tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io")
    model, _ = MODELS["regressor-lbfgs"]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    monkeypatch.setattr(skrnn, "__version__", "99.0.0")
    with pytest.warns(InconsistentVersionWarning):
        sio.load(path, trusted=list(SKOPS_TRUSTED_TYPES))
