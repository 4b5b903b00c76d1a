"""The many-to-one estimators: thin task heads over :class:`~skrnn._base.BaseRNN`."""

import warnings

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import r2_score
from sklearn.utils import compute_sample_weight
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_array

from ._base import BaseRNN, finite_score, stochastic_solver, with_extra_params
from ._docs import ATTRIBUTES_DOC, INPUT_DOC, PARAMETERS_DOC
from ._input import target_errors


def _labels_1d(y):
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-D (one label per sequence); got shape {y.shape}. Multilabel "
            "and multi-output classification are not supported."
        )
    return y


_finite_accuracy = finite_score(ClassifierMixin.score)
_finite_r2 = finite_score(RegressorMixin.score)


@with_extra_params(class_weight=None)
class RNNClassifier(ClassifierMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network classifier: one label per sequence.

    Reads each sequence with a stack of recurrent layers (Elman RNN, LSTM or GRU) and
    classifies it from the top layer's state after the sequence's last real step (for
    a bidirectional stack, concatenated with the backward direction's state after the
    first step), or from the mean or maximum of its outputs over the real steps
    (``pooling``). Trained by backpropagation through time with Adam, SGD or L-BFGS;
    or, with ``cell_type="esn"``, an echo state network: a fixed random reservoir whose
    readout is fitted in closed form in one pass (``partial_fit`` streams it).

    {INPUT_DOC}

    Parameters
    ----------
{PARAMETERS_DOC}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. "balanced" uses
        ``n_samples / (n_classes * np.bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
{ATTRIBUTES_DOC}
    out_activation_ : str
        "logistic" for two classes (one output unit), else "softmax".

    See Also
    --------
    RNNRegressor : The same network for numeric targets.
    SeqToSeqRNN : One output per step; its ``stream=True`` trains on long sequences as
        parallel streams (one label per sequence leaves nothing to stream here).
    sklearn.neural_network.MLPClassifier : The feed-forward network these mirror.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.randint(5, 15, size=60)]
    >>> y = np.array([int(x[0, 0] > 0) for x in X])
    >>> clf = RNNClassifier(hidden_layer_sizes=8, max_iter=50, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences; see the input contract in the class docstring.
        y : array-like of shape (n_samples,)
            Labels, of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss.

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @available_if(stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``X`` that continues from the current weights and optimizer.

        With ``cell_type="esn"``: add ``X`` to the readout's normal equations and solve
        them again, so that chunks streamed through give the readout of one ``fit``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.
        y : array-like of shape (n_samples,)
            Labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever be seen; required on the first call.

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        if not self._is_fitted() and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, first_call, classes=None):
        y = _labels_1d(y)
        check_classification_targets(y)
        if first_call:
            self.classes_ = unique_labels(y if classes is None else classes)
            if len(self.classes_) < 2:
                raise ValueError(
                    "The classifier needs samples of at least 2 classes in the data, but "
                    f"the data contains only one class: {self.classes_[0]!r}."
                )
        unseen = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y holds labels {unseen.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}."
            )
        encoded = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            Y, loss, self.out_activation_ = encoded[:, None], "binary_log_loss", "logistic"
        else:
            Y, loss, self.out_activation_ = (
                np.eye(len(self.classes_))[encoded], "log_loss", "softmax"
            )
        self.n_outputs_ = Y.shape[1]
        weights = None
        if self.class_weight is not None:
            weights = compute_sample_weight(self.class_weight, y)
        return Y.astype(np.float64), loss, encoded, weights

    def _validation_score(self, problem):
        proba = self._raw_output(problem.seqs)
        if proba.shape[1] == 1:
            correct = (proba[:, 0] > 0.5) == (problem.Y[:, 0] > 0.5)
        else:
            correct = proba.argmax(axis=1) == problem.Y.argmax(axis=1)
        return float(np.average(correct, weights=problem.sample_weight))

    def predict_proba(self, X):
        """Probability of each class for each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        proba = self._validated_output(X)
        if proba.shape[1] == 1:
            proba = np.hstack([1 - proba, proba])
        return proba

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``X`` against the labels ``y``.

        ``y`` is checked like the labels of :meth:`fit`, so that labels no classifier
        could have produced (None, continuous values) are named as the problem.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        score : float
            Mean accuracy (weighted by ``sample_weight`` when given).
        """
        with target_errors():
            y = _labels_1d(y)
            check_classification_targets(y)
            return _finite_accuracy(self, X, y, sample_weight)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (``-inf`` for probabilities of 0).

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict the most probable class of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            The predicted labels.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor: one or several numbers per sequence.

    Reads each sequence with a stack of recurrent layers (Elman RNN, LSTM or GRU) and
    predicts from the top layer's state after the sequence's last real step (for a
    bidirectional stack, concatenated with the backward direction's state after the
    first step) or the mean or maximum of its outputs over the real steps
    (``pooling``), with a linear output layer trained on the squared error; or, with
    ``cell_type="esn"``, an echo state network: a fixed random reservoir whose ridge
    readout is fitted in closed form in one pass (``partial_fit`` streams it).

    {INPUT_DOC}

    Parameters
    ----------
{PARAMETERS_DOC}
    Attributes
    ----------
{ATTRIBUTES_DOC}
    out_activation_ : str
        Always "identity".

    See Also
    --------
    RNNClassifier : The same network for labels.
    SeqToSeqRNN : One output per step (the per-step forecaster); its ``stream=True``
        trains on long sequences as parallel streams (one value per sequence leaves
        nothing to stream here).
    sklearn.neural_network.MLPRegressor : The feed-forward network these mirror.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(50, 10))
    >>> y = X.sum(axis=1)
    >>> reg = RNNRegressor(hidden_layer_sizes=8, max_iter=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences; see the input contract in the class docstring.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss.

        Returns
        -------
        self : RNNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @available_if(stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``X`` that continues from the current weights and optimizer.

        With ``cell_type="esn"``: add ``X`` to the readout's normal equations and solve
        them again, so that chunks streamed through give the readout of one ``fit``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        self : RNNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_targets(self, y, first_call, classes=None):
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        if y.ndim == 1:
            y = y[:, None]
        elif y.ndim != 2:
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
        self.n_outputs_ = y.shape[1]
        self.out_activation_ = "identity"
        return y.astype(np.float64), "squared_error", None, None

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² of :meth:`predict` on ``X`` against ``y``.

        R² of huge (finite) predictions overflows float64: that is a ValueError, not a
        NaN.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        score : float
            R² (weighted by ``sample_weight`` when given).
        """
        with target_errors():
            y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
            return _finite_r2(self, X, y, sample_weight)

    def _validation_score(self, problem):
        pred = self._raw_output(problem.seqs)
        return float(r2_score(problem.Y, pred, sample_weight=problem.sample_weight))

    def predict(self, X):
        """Predicted targets of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        pred = self._validated_output(X)
        return pred.ravel() if pred.shape[1] == 1 else pred
