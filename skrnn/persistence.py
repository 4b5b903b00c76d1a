"""Saving and loading skrnn models securely with ``skops.io``.

:data:`SKOPS_TRUSTED_TYPES` lists the types that a fitted skrnn model or pipeline holds
and that skops does not trust by default: skrnn's own estimators, transformers and the
named tuples that describe a network's shape, and scipy's CSR matrix of a reservoir.
After reviewing them, pass them as ``trusted=`` to ``skops.io.load``::

    import skops.io as sio
    from skrnn.persistence import SKOPS_TRUSTED_TYPES

    sio.dump(model, "model.skops")
    model = sio.load("model.skops", trusted=list(SKOPS_TRUSTED_TYPES))

No function is among them: the optimizer state that ``partial_fit`` continues from is
plain data (a dict of numbers and arrays keyed by the solver's name). The tests check
the list against what ``skops.io.get_untrusted_types`` reports for every estimator and
transformer.
"""

__all__ = ["SKOPS_TRUSTED_TYPES"]

#: The fully qualified names of the types a fitted skrnn model or pipeline holds that
#: ``skops.io`` does not trust by default; pass them as ``trusted=`` to ``skops.io.load``
#: after reviewing them (see the module's description above).
SKOPS_TRUSTED_TYPES = (
    "skrnn._classes.RNNClassifier",
    "skrnn._classes.RNNRegressor",
    "skrnn._seq2seq_estimator.SeqToSeqRNN",
    "skrnn.preprocessing._text.TextSequencer",
    "skrnn.preprocessing._vectors.WordVectorSequencer",
    # the network's shape, a named tuple of ints, strings and bools
    "skrnn._network.NetSpec",
    "skrnn._seq2seq.EncoderDecoderSpec",
    # cell_type="esn": the fixed reservoir, its shape, settings and the readout's statistics
    "skrnn._reservoir.Reservoir",
    "skrnn._reservoir.ReservoirSpec",
    "skrnn._reservoir.ReservoirConfig",
    "skrnn._reservoir.Moments",
    "scipy.sparse._csr.csr_matrix",  # the reservoir's sparse recurrent weights
)
