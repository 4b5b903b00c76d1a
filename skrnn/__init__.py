"""skrnn: recurrent neural networks as scikit-learn estimators, in numpy and scipy."""

from ._classes import RNNClassifier, RNNRegressor

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "RNNRegressor", "__version__"]
