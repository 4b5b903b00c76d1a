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
from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn.exceptions import InconsistentVersionWarning
from skrnn.persistence import SKOPS_TRUSTED_TYPES
from skrnn.preprocessing import TextSequencer

SMALL = dict(hidden_layer_sizes=4, max_iter=3, random_state=0)


# training runs here are deliberately short
pytestmark = pytest.mark.usefixtures("quiet_convergence")


def _center(X):
    return [x - x.mean(axis=0) for x in X]


def _models():
    """Every estimator kind, fitted, with the data to predict on (name -> (model, X))."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(2, 8), 2)) for _ in range(30)]
    y = np.array([int(x[0, 0] > 0) for x in X])
    seq = rng.normal(size=(30, 7, 1))
    ids = [rng.randint(0, 3, size=6) for _ in range(30)]
    onehot = [np.eye(3)[i[:-1]] for i in ids]
    docs = ["good movie", "bad movie", "not good", "not bad at all", "good good"] * 6
    labels = np.array([1, 0, 0, 1, 1] * 6)
    models = {
        "classifier": (RNNClassifier(cell_type="lstm", bidirectional=True, **SMALL)
                       .fit(X, y), X),
        "classifier-multiclass-sgd": (RNNClassifier(solver="sgd", **SMALL)
                                      .fit(X, np.arange(30) % 3), X),
        "regressor-lbfgs": (RNNRegressor(solver="lbfgs", cell_type="elman", **SMALL)
                            .fit(X, np.c_[y, -y]), X),
        "regressor-float32": (RNNRegressor(**SMALL)
                              .fit([x.astype(np.float32) for x in X], y * 1.0),
                              [x.astype(np.float32) for x in X]),
        "seq2seq-aligned": (SeqToSeqRNN(**SMALL).fit(seq[:, :-1], seq[:, 1:, 0]), seq),
        "seq2seq-categorical": (SeqToSeqRNN(**SMALL).fit(onehot, [i[1:] for i in ids]),
                                onehot),
        "seq2seq-encoder-decoder": (SeqToSeqRNN(mode="encoder_decoder", **SMALL)
                                    .fit(X, [x[:2, 0] for x in X]), X),
        "pipeline-text": (make_pipeline(TextSequencer(),
                                        RNNClassifier(embedding_dim=3, **SMALL))
                          .fit(docs, labels), docs),
        "pipeline-transformer": (make_pipeline(FunctionTransformer(_center),
                                               RNNRegressor(**SMALL)).fit(X, y * 1.0), X),
    }
    if "esn" in RNNRegressor._parameter_constraints["cell_type"][0].options:
        models["esn-classifier"] = (RNNClassifier(cell_type="esn", hidden_layer_sizes=10,
                                                  random_state=0).fit(X, y), X)
        models["esn-seq2seq"] = (SeqToSeqRNN(cell_type="esn", hidden_layer_sizes=10,
                                             random_state=0).fit(seq[:, :-1],
                                                                 seq[:, 1:, 0]), seq)
    return models


with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    MODELS = _models()


def _outputs(model, X):
    out = {"predict": model.predict(X)}
    if hasattr(model, "predict_proba"):
        out["predict_proba"] = model.predict_proba(X)
    return out


def _assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], list):
            for x, y in zip(a[key], b[key]):
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


def test_round_trip_keeps_training_state():
    model, X = MODELS["classifier-multiclass-sgd"]
    y = np.arange(30) % 3
    loaded = pickle.loads(pickle.dumps(model))
    model_copy = pickle.loads(pickle.dumps(model))
    loaded.partial_fit(X, y)
    model_copy.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.output_coef_, model_copy.output_coef_)
    assert loaded.n_iter_ == model.n_iter_ + 1


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
