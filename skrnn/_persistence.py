"""What a saved skrnn model carries: the version that wrote it, and the types to trust.

Every skrnn estimator stamps its state with the skrnn version (``_skrnn_version``) when it
is pickled, copied or saved with ``skops.io``, and warns with
:class:`InconsistentVersionWarning` when that state is loaded by another version, the way
scikit-learn does for its own estimators (which it only stamps with *its* version).

:data:`SKOPS_TRUSTED_TYPES` lists the types a fitted skrnn model or pipeline holds that
skops does not trust by default (skrnn's own, and scipy's CSR matrix of a reservoir),
i.e. what a user passes as ``trusted=`` to ``skops.io.load`` after reviewing them. The tests
check it against what ``skops.io.get_untrusted_types`` reports for every estimator.
"""

import warnings

VERSION_KEY = "_skrnn_version"
# what a state pickled before skrnn stamped its version reads as
UNKNOWN_VERSION = "unknown (before 0.1.0)"

SKOPS_TRUSTED_TYPES = (
    "skrnn._classes.RNNClassifier",
    "skrnn._classes.RNNRegressor",
    "skrnn._seq2seq_estimator.SeqToSeqRNN",
    "skrnn.preprocessing._text.TextSequencer",
    # the network's shape, a named tuple of ints, strings and bools
    "skrnn._network.NetSpec",
    "skrnn._seq2seq.EncoderDecoderSpec",
    # cell_type="esn": the fixed reservoir, its settings and the readout's statistics
    "skrnn._reservoir.Reservoir",
    "skrnn._reservoir.ReservoirConfig",
    "skrnn._reservoir.Moments",
    "scipy.sparse._csr.csr_matrix",  # the reservoir's sparse recurrent weights
    # optimizer state kept so that partial_fit continues where it stopped
    "skrnn._optim.Adam",
    "skrnn._optim.SGD",
    "skrnn._optim.RowSparse",
    "skrnn._optim._adam_rows",
    "skrnn._optim._sgd_rows",
)


class InconsistentVersionWarning(UserWarning):
    """A skrnn model is loaded by another skrnn version than the one that saved it.

    Parameters
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    current_skrnn_version : str
        The skrnn version loading it.
    original_skrnn_version : str
        The skrnn version that saved it.
    """

    def __init__(self, *, estimator_name, current_skrnn_version, original_skrnn_version):
        self.estimator_name = estimator_name
        self.current_skrnn_version = current_skrnn_version
        self.original_skrnn_version = original_skrnn_version

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved by skrnn "
            f"{self.original_skrnn_version} with skrnn {self.current_skrnn_version}: "
            "its fitted attributes may not mean the same or may be missing, so "
            "predictions can break or differ. Refit the model with this version, or "
            f"load it with skrnn {self.original_skrnn_version}."
        )


def _current_version():
    # read at call time: the package's __version__ is set after its modules import
    from . import __version__

    return __version__


def stamp_version(state):
    """``state`` (a dict) with the running skrnn version added."""
    return {**state, VERSION_KEY: _current_version()}


def check_version(estimator, state):
    """``state`` without its version stamp; warns if another version wrote it."""
    state = dict(state)
    saved = state.pop(VERSION_KEY, UNKNOWN_VERSION)
    current = _current_version()
    if saved != current:
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=type(estimator).__name__,
                current_skrnn_version=current,
                original_skrnn_version=saved,
            ),
            stacklevel=3,
        )
    return state
