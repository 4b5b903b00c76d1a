"""skrnn: recurrent neural networks as scikit-learn estimators, in numpy and scipy."""

from ._classes import RNNClassifier, RNNRegressor
from ._persistence import InconsistentVersionWarning
from ._seq2seq_estimator import SeqToSeqRNN
from ._training import DivergenceError

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "InconsistentVersionWarning",
    "RNNClassifier",
    "RNNRegressor",
    "SeqToSeqRNN",
    "__version__",
]
