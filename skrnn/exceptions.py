"""Exceptions and warnings that skrnn raises, importable as ``skrnn.exceptions``."""

__all__ = ["DivergenceError", "InconsistentVersionWarning"]


class DivergenceError(ValueError):
    """Training produced a non-finite loss, gradient or weights.

    The estimator keeps the last finite weights it reached (for L-BFGS, its last
    accepted iterate), so it can still predict, or be refitted with ``clip_norm`` set or
    a lower ``learning_rate_init``.
    """


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
