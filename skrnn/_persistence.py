"""What a saved skrnn model carries: the version that wrote it.

Every skrnn estimator stamps its state with the skrnn version (``_skrnn_version``) when it
is pickled, copied or saved with ``skops.io``, and warns with
:class:`InconsistentVersionWarning` when that state is loaded by another version, the way
scikit-learn does for its own estimators (which it only stamps with *its* version).

The types to trust when loading with ``skops.io`` are public, in :mod:`skrnn.persistence`.
"""

import warnings

from .exceptions import InconsistentVersionWarning

VERSION_KEY = "_skrnn_version"
# what a state pickled before skrnn stamped its version reads as
UNKNOWN_VERSION = "unknown (before 0.1.0)"


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
