"""skrnn's recurrent networks as aeon classifiers and regressors (the ``aeon`` extra).

aeon (https://www.aeon-toolkit.org) holds a collection of time series as a 3-D array
``(n_cases, n_channels, n_timepoints)``, or as a list of ``(n_channels,
n_timepoints_i)`` arrays when the lengths differ; skrnn reads ``(n_samples,
n_timesteps, n_features)`` or a list of ``(T_i, n_features)`` arrays. The two wrappers
here are aeon estimators (subclasses of aeon's ``BaseClassifier`` and
``BaseRegressor``, declaring multivariate and unequal-length capability) that swap the
last two axes and hand the series to a skrnn estimator: by default the pipeline that
skrnn's real-data benchmark measures, ``FrameSummarizer(frame_length="auto")`` then
``StepwiseTransformer(StandardScaler())`` then the recurrent network. So aeon's tools
(its estimator checks, tsml-eval's experiment functions, aeon pipelines and
ensembles) use the network on ragged collections as they are, with no padding.

Importing this module imports aeon; ``import skrnn`` never does.
"""

try:
    from aeon.classification.base import BaseClassifier
    from aeon.regression.base import BaseRegressor
except ImportError as error:  # pragma: no cover - exercised without aeon installed
    raise ImportError(
        "skrnn.aeon needs the aeon package, which is an optional extra of skrnn: "
        "pip install 'skrnn[aeon]' (or pip install aeon)."
    ) from error

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._classes import RNNClassifier, RNNRegressor
from .preprocessing import FrameSummarizer, StepwiseTransformer

__all__ = ["AeonRNNClassifier", "AeonRNNRegressor", "to_skrnn"]

# aeon hands ``_fit``/``_predict`` equal-length collections as a 3-D array and ragged
# ones as a list; both forms map onto skrnn's input without padding
_TAGS = {
    "capability:multivariate": True,
    "capability:unequal_length": True,
    "X_inner_type": ["numpy3D", "np-list"],
    "algorithm_type": "deeplearning",
}


def to_skrnn(X):
    """Return an aeon collection in skrnn's axis order.

    Parameters
    ----------
    X : ndarray of shape (n_cases, n_channels, n_timepoints) or list of ndarray
        An aeon collection: a 3-D array, or a list of ``(n_channels,
        n_timepoints_i)`` arrays.

    Returns
    -------
    X_skrnn : ndarray of shape (n_cases, n_timepoints, n_channels) or list of ndarray
        The same series with time first: a 3-D array, or a list of
        ``(n_timepoints_i, n_channels)`` arrays. Arrays are transposed views, not
        copies.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.aeon import to_skrnn
    >>> to_skrnn(np.zeros((5, 2, 30))).shape
    (5, 30, 2)
    >>> [x.shape for x in to_skrnn([np.zeros((2, 30)), np.zeros((2, 12))])]
    [(30, 2), (12, 2)]
    """
    if isinstance(X, list):
        return [np.asarray(x).T for x in X]
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            f"An aeon collection is a 3-D array (n_cases, n_channels, n_timepoints) or a "
            f"list of 2-D (n_channels, n_timepoints_i) arrays; got a {X.ndim}-D array of "
            f"shape {X.shape}."
        )
    return X.transpose(0, 2, 1)


def _default_pipeline(model):
    """Put ``model`` behind the front end that skrnn's real-data benchmark measures."""
    return make_pipeline(
        FrameSummarizer(frame_length="auto"), StepwiseTransformer(StandardScaler()), model
    )


def _fitted_clone(owner, default_model, X, y):
    """Clone ``owner.estimator`` (or the default pipeline), seed it, fit it on ``X``."""
    estimator = owner.estimator
    if estimator is None:
        estimator = _default_pipeline(default_model)
    estimator = clone(estimator)
    if owner.random_state is not None:
        seeds = {
            name: owner.random_state
            for name in estimator.get_params(deep=True)
            if name == "random_state" or name.endswith("__random_state")
        }
        estimator.set_params(**seeds)
    return estimator.fit(to_skrnn(X), y)


class AeonRNNClassifier(BaseClassifier):
    """A skrnn recurrent classifier as an aeon time-series classifier.

    Takes aeon collections (``(n_cases, n_channels, n_timepoints)`` arrays, or lists
    of ``(n_channels, n_timepoints_i)`` arrays of unequal lengths), turns each series
    time-first and fits ``estimator`` on them; the ragged series stay ragged (skrnn
    packs them, nothing is padded).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier that reads skrnn's sequence input, such as
        :class:`skrnn.RNNClassifier` or a pipeline ending in one. It is cloned in
        ``fit``. None means the default pipeline
        ``make_pipeline(FrameSummarizer(frame_length="auto"),
        StepwiseTransformer(StandardScaler()), RNNClassifier())``: statistics (mean,
        std, min, max, first, last) of at most 64 frames of consecutive steps, each
        channel standardised over all training steps, then a GRU.
    random_state : int, RandomState instance or None, default=None
        If not None, given to every ``random_state`` parameter of the clone of
        ``estimator`` (its own and its steps'), so that aeon's and tsml-eval's
        seeding reaches the network. None leaves them as they are set.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator`` (or of the default pipeline).
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; the columns of ``predict_proba`` follow them.
    n_classes_ : int
        The number of classes.
    metadata_ : dict
        aeon's description of the training collection (channels, lengths).

    See Also
    --------
    AeonRNNRegressor : The regressor counterpart.
    skrnn.RNNClassifier : The network, for skrnn's own ``(n, T, D)`` input.

    Notes
    -----
    aeon's ``predict_proba`` columns are in the order of ``classes_``; the
    wrapped estimator's columns are put in that order by label, whatever order it
    keeps them in.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNClassifier
    >>> from skrnn.aeon import AeonRNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(2, n)) for n in rng.integers(10, 20, size=20)]
    >>> y = np.array([x[0].mean() > 0 for x in X])
    >>> clf = AeonRNNClassifier(RNNClassifier(cell_type="esn"), random_state=0)
    >>> clf.fit(X, y).predict_proba(X).shape
    (20, 2)
    """

    _tags = _TAGS

    def __init__(self, estimator=None, random_state=None):
        self.estimator = estimator
        self.random_state = random_state
        super().__init__()

    def _fit(self, X, y):
        self.estimator_ = _fitted_clone(self, RNNClassifier(), X, y)
        fitted = list(self.estimator_.classes_)
        self._proba_columns = np.array([fitted.index(label) for label in self.classes_])
        return self

    def _predict(self, X):
        return self.estimator_.predict(to_skrnn(X))

    def _predict_proba(self, X):
        return self.estimator_.predict_proba(to_skrnn(X))[:, self._proba_columns]

    @classmethod
    def _get_test_params(cls, parameter_set="default"):
        """Small, quickly fitted instances for aeon's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            The name of the set; there is one.

        Returns
        -------
        params : list of dict
            A bare network and the default pipeline around a small network.
        """
        small = {"hidden_layer_sizes": (4,), "max_iter": 3}
        return [
            {"estimator": RNNClassifier(**small), "random_state": 0},
            {"estimator": _default_pipeline(RNNClassifier(cell_type="lstm", **small))},
        ]


class AeonRNNRegressor(BaseRegressor):
    """A skrnn recurrent regressor as an aeon time-series regressor.

    Takes aeon collections (``(n_cases, n_channels, n_timepoints)`` arrays, or lists
    of ``(n_channels, n_timepoints_i)`` arrays of unequal lengths), turns each series
    time-first and fits ``estimator`` on them; the ragged series stay ragged.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn regressor that reads skrnn's sequence input, such as
        :class:`skrnn.RNNRegressor` or a pipeline ending in one. It is cloned in
        ``fit``. None means the default pipeline
        ``make_pipeline(FrameSummarizer(frame_length="auto"),
        StepwiseTransformer(StandardScaler()), RNNRegressor())``; targets are used
        as given, unscaled.
    random_state : int, RandomState instance or None, default=None
        If not None, given to every ``random_state`` parameter of the clone of
        ``estimator`` (its own and its steps'). None leaves them as they are set.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator`` (or of the default pipeline).
    metadata_ : dict
        aeon's description of the training collection (channels, lengths).

    See Also
    --------
    AeonRNNClassifier : The classifier counterpart.
    skrnn.RNNRegressor : The network, for skrnn's own ``(n, T, D)`` input.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> from skrnn.aeon import AeonRNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 3, 15))
    >>> y = X[:, 0].mean(axis=1)
    >>> reg = AeonRNNRegressor(RNNRegressor(cell_type="esn"), random_state=0)
    >>> reg.fit(X, y).predict(X).shape
    (20,)
    """

    _tags = _TAGS

    def __init__(self, estimator=None, random_state=None):
        self.estimator = estimator
        self.random_state = random_state
        super().__init__()

    def _fit(self, X, y):
        self.estimator_ = _fitted_clone(self, RNNRegressor(), X, y)
        return self

    def _predict(self, X):
        return self.estimator_.predict(to_skrnn(X))

    @classmethod
    def _get_test_params(cls, parameter_set="default"):
        """Small, quickly fitted instances for aeon's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            The name of the set; there is one.

        Returns
        -------
        params : list of dict
            A bare network and the default pipeline around a small network.
        """
        small = {"hidden_layer_sizes": (4,), "max_iter": 3}
        return [
            {"estimator": RNNRegressor(**small), "random_state": 0},
            {"estimator": _default_pipeline(RNNRegressor(cell_type="lstm", **small))},
        ]
