"""SeqToSeqRNN: per-step outputs, encoder–decoders and generation, as one estimator.

A thin task head over :class:`~skrnn._base.BaseRNN`: it turns ``y`` into ragged target
blocks (:class:`~skrnn._seq2seq.TargetSequences`), picks the objective by ``mode`` and
turns the core's per-step outputs back into values or labels. The maths lives in
``_seq2seq.py``.
"""

from numbers import Integral, Number, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_array, check_is_fitted

from . import _embedding as emb
from . import _network as net
from . import _seq2seq as s2s
from ._backends import (
    BACKENDS,
    CELL_TYPES,
    PREDICT_BATCH,
    aligned_stream_output,
    batch_states,
)
from ._base import (
    BaseRNN,
    finite_prediction,
    finite_score,
    stochastic_solver,
    with_extra_params,
)
from ._cells import CELLS
from ._docs import ATTRIBUTES_DOC, INPUT_DOC, PARAMETERS_DOC
from ._input import check_container, check_sample_weight, is_sequence_list, read_array

# type_of_target's answers that make per-step labels; any other numeric answer is numeric
CATEGORICAL_TARGETS = {"binary", "multiclass"}


# --------------------------------------------------------------------------- reading y
def _block_kind(block, i):
    """"numeric" or "labels" for one target sequence; ValueError when it mixes both."""
    if block.dtype.kind in "biuf":
        return "numeric"
    if block.dtype.kind in "US":
        return "labels"
    if block.dtype.kind == "c":
        raise ValueError(f"Complex targets are not supported: y[{i}] is complex.")
    kinds = {
        "numeric" if isinstance(v, (Number, np.number)) and not isinstance(v, bool)
        else "labels" if isinstance(v, (str, np.str_, bool)) else "other"
        for v in block.ravel()
    }
    if "other" in kinds:
        raise ValueError(
            f"y[{i}] holds values that are neither numbers nor labels (strings); "
            "targets must be numbers or labels."
        )
    if len(kinds) > 1:
        raise ValueError(
            f"y[{i}] mixes numeric and categorical (string) targets; every target must "
            "be a number, or every target a label."
        )
    return kinds.pop() if kinds else "numeric"


def _target_blocks(y):
    """Split ``y`` into per-sample target arrays; also say whether ``y`` was 1-D.

    1-D ``y``: one target per sequence (many-to-one). 2-D ``(n_samples, n_steps)``:
    a univariate target sequence per row. 3-D ``(n_samples, n_steps, n_outputs)``.
    A list of arrays ``(K_i,)`` or ``(K_i, n_outputs)``: ragged target sequences.
    """
    check_container(y, "y", "target sequences")
    if is_sequence_list(y):
        if len(y) == 0:
            raise ValueError("y holds no target sequences: found 0 samples.")
        blocks = [read_array(b, f"y[{i}]", "each target sequence must be a (K_i,) or "
                             "(K_i, n_outputs) array") for i, b in enumerate(y)]
        for i, b in enumerate(blocks):
            if b.ndim == 0:
                b = b.reshape(1)
            if b.ndim > 2 or b.shape[0] == 0:
                raise ValueError(
                    f"y[{i}] has shape {b.shape}; each target sequence must be a non-empty "
                    "(K_i,) or (K_i, n_outputs) array."
                )
            _check_finite_targets(b, f"y[{i}]")
            blocks[i] = b
        return blocks, False
    arr = check_array(
        y, ensure_2d=False, allow_nd=True, dtype=None, ensure_all_finite=False,
        input_name="y",
    )
    if arr.ndim > 3:
        raise ValueError(f"y must have at most 3 dimensions, got shape {arr.shape}.")
    if arr.ndim > 1:
        for i, row in enumerate(arr):
            _check_finite_targets(row, f"y[{i}]")
    if arr.ndim == 1:
        return list(arr[:, None]), True
    if arr.shape[1] == 0:
        raise ValueError(
            f"y has shape {arr.shape}: target sequences need at least one step."
        )
    return list(arr), False


def _check_finite_targets(block, where):
    """Raise a ValueError naming ``where`` if a numeric target sequence holds NaN or inf."""
    if block.dtype.kind in "fc" and not np.isfinite(block).all():
        step = int(np.flatnonzero(~np.isfinite(block.reshape(len(block), -1)).all(1))[0])
        raise ValueError(
            f"{where} holds NaN or infinity at step {step}; targets must be finite."
        )


def _stack_kind(blocks):
    kinds = [_block_kind(b, i) for i, b in enumerate(blocks)]
    if len(set(kinds)) > 1:
        first = {k: kinds.index(k) for k in kinds}
        raise ValueError(
            f"y mixes numeric and categorical targets: y[{first['numeric']}] holds numbers "
            f"and y[{first['labels']}] holds labels (strings). Use one kind for every "
            "sequence."
        )
    n_cols = [b.shape[1] if b.ndim == 2 else 1 for b in blocks]
    other = next((i for i, n in enumerate(n_cols) if n != n_cols[0]), None)
    if other is not None:
        raise ValueError(
            f"y[{other}] has {n_cols[other]} output(s) per step but y[0] has "
            f"{n_cols[0]}; every target sequence needs the same number."
        )
    return kinds[0], n_cols[0]


def _stacked(blocks, n_cols):
    return np.concatenate([b.reshape(len(b), n_cols) for b in blocks])


# --------------------------------------------------------------------------- the estimator
def _categorical(est):
    check_is_fitted(est)
    if est.target_type_ != "categorical":
        raise AttributeError(
            "predict_proba is only available for categorical targets; this model was "
            "fitted on numeric targets."
        )
    return True


@with_extra_params(
    mode="aligned", target_type="auto", teacher_forcing_ratio=1.0, stream=False
)
class SeqToSeqRNN(BaseRNN):
    __doc__ = f"""Recurrent network with sequence outputs: tagging, forecasting, seq2seq.

    ``mode="aligned"`` reads each sequence with a recurrent stack and emits one output per
    input step; the targets ``y_i`` are aligned with the **last** ``len(y_i)`` steps of
    ``x_i``. A 1-D ``y`` (one target per sequence) is many-to-one, ``len(y_i) ==
    len(x_i)`` is full tagging or next-step prediction, and ragged ``X`` with ragged
    ``y`` works. ``mode="encoder_decoder"``: an encoder reads ``x_i`` and a decoder
    started from its final states (every layer) emits ``y_i``, of any length, reading its
    previous output at each step (the true one in training: teacher forcing).

    Outputs are numeric (squared error, one or several per step) or categorical (softmax
    per step over labels of any type), chosen from ``y`` the way
    :func:`sklearn.utils.multiclass.type_of_target` would (``target_type`` forces it).

    {INPUT_DOC}

    Targets: a 1-D array (one target per sequence), a 2-D array ``(n_samples, n_steps)``
    of univariate target sequences, a 3-D array ``(n_samples, n_steps, n_outputs)``, or a
    list of arrays ``(K_i,)`` / ``(K_i, n_outputs)``. The loss is the mean over every
    real target step, each weighing its sequence's ``sample_weight``.

    Parameters
    ----------
{PARAMETERS_DOC}
    mode : {{"aligned", "encoder_decoder"}}, default="aligned"
        One output per input step, or an encoder–decoder whose output length does not
        depend on the input's. ``bptt_steps`` is only available in "aligned" mode. With
        ``bidirectional=True`` an aligned output at step ``t`` concatenates the forward
        state after ``t`` and the backward state after reading back to ``t``; the
        encoder–decoder's decoder is as wide as both directions together.
    target_type : {{"auto", "numeric", "categorical"}}, default="auto"
        "auto" makes targets categorical when ``type_of_target`` of the stacked steps is
        "binary" or "multiclass" (one label per step), numeric otherwise. Strings are
        always categorical.
    teacher_forcing_ratio : float in [0, 1], default=1.0
        ("encoder_decoder") Probability that a decoder step reads the true previous
        target in training; otherwise it reads the model's own prediction of that step,
        taken from a teacher-forced pass over the batch (parallel scheduled sampling).
        Prediction always feeds back the model's own outputs.
    stream : bool, default=False
        ("aligned", trained cells) Train on streams, as language models do (truncated
        BPTT of Williams & Peng; char-rnn, Zaremba et al.): each epoch lays every
        sequence end to end (in a new random order with ``shuffle``), cuts the
        concatenation into ``batch_size`` parallel streams ("auto": ``min(32, total
        steps)``) whose lengths differ by at most one step, and makes one optimizer
        step (clipped by ``clip_norm``) per window of ``bptt_steps`` steps of every
        stream (None: 64). A stream's state is carried from window to window with no
        gradient flowing back through it, and starts from zero where a sequence
        starts. Use it for a few long sequences (text, long recordings), where
        ``stream=False`` would make one update per mini-batch of whole sequences. It
        needs one target per input step (``len(y_i) == len(x_i)``); each step weighs
        its sequence's ``sample_weight``. With ``early_stopping``, whole sequences
        are held out when there are at least two, else the last
        ``validation_fraction`` of the single sequence; the validation score reads
        them from a zero state. Each ``partial_fit`` call is one epoch whose streams
        start from zero states (no state carries over between calls). Not available
        with ``mode="encoder_decoder"``, ``bidirectional=True``, ``solver="lbfgs"``
        or ``cell_type="esn"``. ``RNNClassifier`` and ``RNNRegressor`` have one target
        per sequence and no stream training; :meth:`predict_stream` reads any
        unidirectional aligned model's input chunk by chunk.

    Attributes
    ----------
    target_type_ : {{"numeric", "categorical"}}
        The kind of the targets.
    classes_ : ndarray of shape (n_classes,)
        Labels of categorical targets.
{ATTRIBUTES_DOC}
    decoder_coefs_ : list of dict
        ("encoder_decoder") The decoder's recurrent parameters; ``recurrent_coefs_`` are
        the encoder's.
    output_length_ : int
        ("encoder_decoder") The longest target sequence seen in training. Numeric
        decoders emit this many steps; categorical ones stop at their end-of-sequence
        symbol or after ``output_length_ + 1`` steps.

    See Also
    --------
    RNNRegressor, RNNClassifier : The many-to-one estimators on the same core.

    Notes
    -----
    Categorical encoder–decoders learn an extra end-of-sequence class after each
    ``y_i``, so their predictions have their own lengths. Numeric ones have no such
    symbol and always emit ``output_length_`` steps (cut them to the lengths you need).

    :meth:`predict` returns an array when every output sequence has the same length
    (a 1-D ``y`` in fit gives one value per sequence) and a list of arrays otherwise.

    :meth:`score` is the R² over all real target steps (numeric) or the per-step
    accuracy (categorical; a decoded sequence of another length than ``y_i`` counts its
    missing or extra steps as errors).

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import SeqToSeqRNN
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 12))
    >>> y = np.cumsum(X, axis=1)          # running sum: one target per step
    >>> est = SeqToSeqRNN(hidden_layer_sizes=8, max_iter=30, random_state=0).fit(X, y)
    >>> est.predict(X[:2]).shape
    (2, 12)
    """

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "mode": [StrOptions({"aligned", "encoder_decoder"})],
        "target_type": [StrOptions({"auto", "numeric", "categorical"})],
        "teacher_forcing_ratio": [Interval(Real, 0, 1, closed="both")],
        "stream": ["boolean"],
    }

    @property
    def _objective(self):
        return self.mode

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and target sequences ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences; see the input contract in the class docstring.
        y : array-like or list of arrays
            Targets: 1-D (one per sequence), ``(n_samples, n_steps[, n_outputs])`` or a
            list of ``(K_i,)`` / ``(K_i, n_outputs)`` arrays. In "aligned" mode
            ``len(y_i) <= len(x_i)`` (``==`` with ``stream=True``).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence; every target step of a sequence weighs it.

        Returns
        -------
        self : SeqToSeqRNN
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @available_if(stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``X`` that continues from the current weights and optimizer.

        The first call fixes what ``fit`` would infer from ``y``: ``target_type_``,
        ``n_outputs_``, whether ``y`` holds one target per sequence, and (categorical)
        ``classes_``. ``output_length_`` grows to the longest target seen so far. With
        ``cell_type="esn"``: add ``X`` to the readout's normal equations and solve them
        again, so that chunks streamed through give the readout of one ``fit``. With
        ``stream=True``: one epoch of stream training over ``X``, whose streams start
        from zero states (no state carries over from the previous call).

        Parameters
        ----------
        X : array-like or list of arrays
            Input sequences.
        y : array-like or list of arrays
            Targets, in any form ``fit`` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.
        classes : array-like, default=None
            (categorical targets) Every label that will ever be seen. Needed on the
            first call unless its ``y`` already holds every label; ignored afterwards.

        Returns
        -------
        self : SeqToSeqRNN
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _check_hyperparameters(self):
        hidden = super()._check_hyperparameters()
        if self.mode == "encoder_decoder" and self.bptt_steps is not None:
            raise ValueError(
                "bptt_steps (truncated BPTT) is only available with mode='aligned'; the "
                "encoder–decoder backpropagates through whole sequences."
            )
        if self.stream:
            refused = {
                "mode": (self.mode != "aligned", "mode='aligned'"),
                "bidirectional": (self.bidirectional, "bidirectional=False"),
                "solver": (self.solver == "lbfgs", "solver='adam' or 'sgd'"),
                "cell_type": (
                    CELL_TYPES[self.cell_type] != "trained", "'gru', 'lstm' or 'elman'"
                ),
            }
            for name, (bad, fix) in refused.items():
                if bad:
                    raise ValueError(
                        f"stream=True cannot be combined with {name}="
                        f"{getattr(self, name)!r}: stream training steps an optimizer "
                        "window by window through one-directional per-step outputs. "
                        f"Use {fix}, or set stream=False."
                    )
        return hidden

    def _encode_targets(self, y, first_call, classes=None, fitting=True):
        blocks, one_per_sequence = _target_blocks(y)
        kind, n_cols = _stack_kind(blocks)
        if first_call:
            self.target_type_ = self._target_type(kind, blocks, n_cols)
            self._one_per_sequence = one_per_sequence
            if classes is not None and self.target_type_ != "categorical":
                raise ValueError(
                    f"classes is only for categorical targets; y is {self.target_type_}."
                )
        elif fitting and one_per_sequence != self._one_per_sequence:
            fitted, given = (("one target per sequence", "target sequences")
                             if self._one_per_sequence else
                             ("target sequences", "one target per sequence"))
            raise ValueError(
                f"y holds {given}, but the model was fitted on {fitted}; pass y in the "
                "same form as in the first fit."
            )
        encode = _ENCODERS[self.target_type_]
        data, lengths, loss = encode(self, blocks, n_cols, first_call, classes)
        if fitting:  # warm_start and partial_fit: the longest target of any call
            longest = max((len(b) for b in blocks), default=0)
            if not first_call:
                longest = max(longest, self.output_length_)
            self.output_length_ = longest
        targets = s2s.TargetSequences(data, lengths, n_outputs=self.n_outputs_)
        return targets, loss, None, None

    def _target_type(self, kind, blocks, n_cols):
        if self.target_type != "auto":
            if self.target_type == "numeric" and kind == "labels":
                raise ValueError(
                    "target_type='numeric' but y holds labels (strings); use "
                    "target_type='categorical' or 'auto'."
                )
            return self.target_type
        if kind == "labels":
            return "categorical"
        values = _stacked(blocks, n_cols)
        if n_cols == 1:
            values = values.ravel()
        return "categorical" if type_of_target(values) in CATEGORICAL_TARGETS else "numeric"

    def _encode_numeric(self, blocks, n_cols, first_call, classes=None):
        values = check_array(
            _stacked(blocks, n_cols), dtype="numeric", input_name="y"
        ).astype(np.float64)
        if first_call:
            self.n_outputs_ = n_cols
            self.__dict__.pop("classes_", None)
        elif n_cols != self.n_outputs_:
            raise ValueError(
                f"y has {n_cols} outputs per step; the model was fitted with "
                f"{self.n_outputs_}."
            )
        return values, [len(b) for b in blocks], "squared_error"

    def _encode_categorical(self, blocks, n_cols, first_call, classes=None):
        if n_cols != 1:
            raise ValueError(
                f"Categorical targets need one label per step; y has {n_cols} per step. "
                "Use target_type='numeric' for several numbers per step."
            )
        labels = _stacked(blocks, 1).ravel()
        if labels.dtype == object:
            labels = labels.astype(str if isinstance(labels[0], str) else np.float64)
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            check_array(labels[:, None], input_name="y")  # names NaN or infinity
        encoder_decoder = self.mode == "encoder_decoder"
        if first_call:
            self.classes_ = unique_labels(labels if classes is None else classes)
            if len(self.classes_) < 2 and not encoder_decoder:
                raise ValueError(
                    "Categorical targets need at least 2 classes in aligned mode, but "
                    f"{'classes' if classes is not None else 'y'} holds only one class: "
                    f"{self.classes_[0]!r}."
                )
        unseen = np.setdiff1d(unique_labels(labels), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y holds labels {unseen.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}."
            )
        index = np.searchsorted(self.classes_, labels)
        n_classes = len(self.classes_)
        lengths = np.array([len(b) for b in blocks])
        if encoder_decoder:
            # every target sequence ends with the end-of-sequence class n_classes
            lengths = lengths + 1
            with_end = np.full(len(index) + len(blocks), n_classes)
            with_end[np.setdiff1d(np.arange(len(with_end)), np.cumsum(lengths) - 1)] = index
            data, loss = np.eye(n_classes + 1)[with_end], "log_loss"
        elif n_classes == 2:
            data, loss = index[:, None].astype(np.float64), "binary_log_loss"
        elif CELL_TYPES[self.cell_type] == "trained":
            # class indices, not one-hot rows: a language model's 10,000 classes would
            # make one-hot targets of a text larger than memory
            data, loss = index[:, None].astype(np.float64), "class_log_loss"
        else:  # the echo state network's readout solves for one-hot rows
            data, loss = np.eye(n_classes)[index], "log_loss"
        if first_call:
            self.n_outputs_ = n_classes if loss == "class_log_loss" else data.shape[1]
        return data, lengths, loss

    def _check_targets(self, seqs, Y):
        if self.mode == "aligned":
            s2s.check_aligned_lengths(seqs.lengths, Y.lengths)
        if self.stream:
            short = np.flatnonzero(Y.lengths != seqs.lengths)
            if len(short):
                i = int(short[0])
                raise ValueError(
                    f"stream=True needs a target for every input step, but y[{i}] has "
                    f"{Y.lengths[i]} step(s) and X[{i}] {seqs.lengths[i]} "
                    f"({len(short)} sample(s) differ). Pass len(y_i) == len(x_i) (e.g. "
                    "next-step targets), or set stream=False."
                )

    def _task_spec(self, spec):
        if self.mode == "encoder_decoder":
            return s2s.encoder_decoder_spec(spec, spec.n_outputs)
        return spec

    def _set_params_views(self, params):
        if isinstance(params, s2s.EncoderDecoderParams):
            super()._set_params_views(params.encoder)
            self._encoder_head = (params.encoder.coef, params.encoder.intercept)
            self.decoder_coefs_ = params.decoder.recurrent
            self.output_coef_ = params.decoder.coef
            self.output_intercept_ = params.decoder.intercept
        else:
            self.__dict__.pop("decoder_coefs_", None)
            super()._set_params_views(params)

    def _params(self):
        if not isinstance(self._spec, s2s.EncoderDecoderSpec):
            return super()._params()
        encoder = net.Params(
            getattr(self, "embedding_", None), self.recurrent_coefs_, *self._encoder_head
        )
        decoder = net.Params(
            None, self.decoder_coefs_, self.output_coef_, self.output_intercept_
        )
        return s2s.EncoderDecoderParams(encoder, decoder)

    # ------------------------------------------------------------------ core outputs
    def _batches(self, seqs):
        by_length = np.argsort(-seqs.lengths, kind="stable")
        for start in range(0, seqs.n_samples, PREDICT_BATCH):
            yield net.make_batch(seqs, by_length[start : start + PREDICT_BATCH])

    def _aligned_outputs(self, seqs):
        """Activated outputs of every step: a list of (T_i, n_outputs), sample order."""
        return BACKENDS[self._backend].output(self, seqs)

    def _decoded_outputs(self, seqs, n_steps, stop_at_end=True):
        """Free-running decoder outputs: a list of (K_i, n_values), sample order.

        Categorical blocks lose the end-of-sequence column and, with ``stop_at_end``,
        every step from the first one where that class wins.
        """
        categorical = self.target_type_ == "categorical"
        end = len(self.classes_) if categorical and stop_at_end else None
        out = [None] * seqs.n_samples
        for batch in self._batches(seqs):
            steps = s2s.decode(self._params(), self._spec, batch, n_steps, self._loss, end)
            for i, block in zip(batch.order, steps, strict=True):
                if end is not None:
                    ended = np.flatnonzero(block.argmax(axis=1) == end)
                    block = block[: ended[0] if len(ended) else n_steps]
                out[i] = block[:, : self._n_values]
        return out

    def _outputs(self, seqs, n_steps=None):
        """Per-sample activated outputs of the fitted mode; with a 1-D ``y`` in fit, the
        single output of each sequence.
        """
        if self.mode == "aligned":
            out = self._aligned_outputs(seqs)
        elif self._one_per_sequence:
            # exactly one decoder step, whichever label wins besides end-of-sequence
            out = self._decoded_outputs(seqs, 1, stop_at_end=False)
        else:
            default = self.output_length_ + (self.target_type_ == "categorical")
            out = self._decoded_outputs(seqs, n_steps or default)
        if self._one_per_sequence:
            out = [o[-1:] for o in out]
        return out

    @property
    def _n_values(self):
        """Columns of a model output that are values or class probabilities."""
        if self.target_type_ == "categorical":
            return len(self.classes_) if self.n_outputs_ > 1 else 1
        return self.n_outputs_

    def _probabilities(self, block):
        if self._loss == "binary_log_loss":
            return np.hstack([1 - block, block])
        return block

    def _true_classes(self, block):
        """Class indices of one block of encoded categorical targets."""
        if self._loss == "class_log_loss":
            return block[:, 0].astype(np.intp)
        return self._probabilities(block).argmax(axis=1)

    def _values(self, block):
        """Predicted values or labels of one output block."""
        if self.target_type_ == "categorical":
            return self.classes_[self._probabilities(block).argmax(axis=1)]
        return block[:, 0] if self.n_outputs_ == 1 else block

    def _format(self, blocks):
        """One value per sequence (1-D ``y`` in fit), an array when every block has the
        same length, otherwise the list.
        """
        if self._one_per_sequence:
            return np.stack([b[0] for b in blocks])
        if len({len(b) for b in blocks}) == 1:
            return np.stack(blocks)
        return blocks

    # ------------------------------------------------------------------ prediction
    @finite_prediction
    def predict(self, X):
        """Predicted target sequences (values or labels).

        Parameters
        ----------
        X : array-like or list of arrays
            Input sequences.

        Returns
        -------
        y : ndarray or list of ndarray
            "aligned": one output per input step, ``(n_samples, n_timesteps[,
            n_outputs])`` for equal lengths; "encoder_decoder": the decoded sequences.
            A model fitted on a 1-D ``y`` returns one value per sequence.
        """
        seqs = self._validated_sequences(X)
        return self._format([self._values(b) for b in self._outputs(seqs)])

    @available_if(_categorical)
    @finite_prediction
    def predict_proba(self, X):
        """Per-step class probabilities.

        Parameters
        ----------
        X : array-like or list of arrays
            Input sequences.

        Returns
        -------
        proba : ndarray or list of ndarray
            ``(T_i, n_classes)`` per sequence, laid out as :meth:`predict`'s output. For
            an encoder–decoder, the probabilities along the decoded (greedy) path; the
            mass they miss is the end-of-sequence probability.
        """
        seqs = self._validated_sequences(X)
        return self._format([self._probabilities(b) for b in self._outputs(seqs)])

    @finite_score
    def score(self, X, y, sample_weight=None):
        """R² over all real target steps (numeric) or per-step accuracy (categorical).

        Parameters
        ----------
        X : array-like or list of arrays
            Input sequences.
        y : array-like or list of arrays
            True targets, in any form ``fit`` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, given to each of its steps.

        Returns
        -------
        score : float
            R² or per-step accuracy, as described above.
        """
        seqs = self._validated_sequences(X)
        targets, _, _, _ = self._encode_targets(y, first_call=False, fitting=False)
        if len(targets) != seqs.n_samples:
            raise ValueError(
                f"X has {seqs.n_samples} sequences but y has {len(targets)}."
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, seqs.n_samples)
        return self._score_encoded(seqs, targets, sample_weight)

    def _score_encoded(self, seqs, targets, sample_weight):
        true = targets.split()
        if self.mode == "aligned":
            s2s.check_aligned_lengths(seqs.lengths, targets.lengths)
            pred = [o[len(o) - len(t):]
                    for o, t in zip(self._aligned_outputs(seqs), true, strict=True)]
        elif self.target_type_ == "numeric":
            pred = self._decoded_outputs(seqs, int(targets.lengths.max()))
            pred = [o[: len(t)] for o, t in zip(pred, true, strict=True)]
        else:
            true = [t[:-1, :-1] for t in true]  # without the end-of-sequence step
            pred = self._outputs(seqs)
        if self.target_type_ == "numeric":
            weights = s2s.step_weights(targets.lengths, sample_weight, np.float64)
            return float(r2_score(np.concatenate(true), np.concatenate(pred),
                                  sample_weight=weights))
        return _step_accuracy(
            [self._true_classes(t) for t in true],
            [self._probabilities(p).argmax(axis=1) for p in pred], sample_weight,
        )

    def _validation_score(self, problem):
        return self._score_encoded(problem.seqs, problem.Y, problem.sample_weight)

    # ------------------------------------------------------------------ streams
    @finite_prediction
    def predict_stream(self, X, state=None):
        """Predict the next chunk of one or more streams, carrying their state.

        Reading a long sequence chunk by chunk, each call passing the ``state`` the
        previous one returned, gives the outputs of :meth:`predict` on the whole
        sequence (to float rounding), with memory bounded by the chunk: a live stream
        can be fed as it arrives. The state is plain data kept by the caller, so the
        estimator stays read-only (thread-safe) and the state pickles. Unidirectional
        "aligned" models with a trained cell (any ``stream`` setting).

        Parameters
        ----------
        X : array-like or list of arrays
            The next chunk of each of ``n_streams`` streams (chunks may have different
            lengths), in any input form; stream ``i`` is ``X[i]`` in every call.
        state : list of dict or None, default=None
            What the previous call returned for the same streams; None starts every
            stream from the zero state (the start of a sequence).

        Returns
        -------
        y : ndarray or list of ndarray
            The chunk's predictions, laid out as :meth:`predict`'s.
        state : list of dict
            Per recurrent layer, a dict mapping each state of the cell ("H"; "H" and
            "C" for an LSTM) to an ``(n_streams, hidden_size)`` array: the state after
            each chunk's last step. Pass it to the next call, or to :meth:`generate`.
        """
        blocks, state = self._stream_outputs(X, state)
        return self._format([self._values(b) for b in blocks]), state

    @available_if(_categorical)
    @finite_prediction
    def predict_proba_stream(self, X, state=None):
        """Per-step class probabilities of the next chunk of each stream.

        The streams' state is carried from chunk to chunk; see :meth:`predict_stream`.

        Parameters
        ----------
        X : array-like or list of arrays
            The next chunk of each stream.
        state : list of dict or None, default=None
            What the previous call returned, or None for zero states.

        Returns
        -------
        proba : ndarray or list of ndarray
            ``(T_i, n_classes)`` per chunk, laid out as :meth:`predict_proba`'s.
        state : list of dict
            The state after each chunk, as :meth:`predict_stream` returns it.
        """
        blocks, state = self._stream_outputs(X, state)
        return self._format([self._probabilities(b) for b in blocks]), state

    def _stream_outputs(self, X, state):
        seqs = self._validated_sequences(X)
        problem = self._carry_problem()
        if problem is not None:
            raise ValueError(
                f"predict_stream carries a state from one chunk to the next, which this "
                f"{type(self).__name__} cannot: {problem}."
            )
        out, final = aligned_stream_output(
            self, seqs, self._params(), self._initial_state(state, seqs)
        )
        if self._one_per_sequence:
            out = [o[-1:] for o in out]
        return out, final

    def _carry_problem(self):
        """Why this model cannot carry a state from one chunk to the next, or None."""
        if self.mode != "aligned":
            return "mode='encoder_decoder' maps X to a separate output sequence"
        if not BACKENDS[self._backend].generates:
            return "carrying a state is not implemented for cell_type='esn'"
        if self.bidirectional:
            return "a bidirectional model needs the future of every step"
        return None

    def _initial_state(self, state, seqs):
        """``state`` checked against the model and ``seqs``, in their dtype, or None."""
        if state is None:
            return None
        names = CELLS[self._spec.cell_type].state
        sizes = self._spec.hidden_sizes
        expected = (
            f"a list of {len(sizes)} dict(s), one per layer, mapping {list(names)} to "
            f"arrays of shape (n_streams={seqs.n_samples}, hidden size {list(sizes)}), "
            "as predict_stream returns it"
        )
        if not isinstance(state, (list, tuple)) or len(state) != len(sizes):
            raise ValueError(f"state must be {expected}; got {type(state).__name__}"
                             + (f" of length {len(state)}." if isinstance(
                                 state, (list, tuple)) else "."))
        checked = []
        for li, (layer, width) in enumerate(zip(state, sizes, strict=True)):
            if not isinstance(layer, dict) or set(layer) != set(names):
                raise ValueError(
                    f"state[{li}] must be a dict with the keys {list(names)}; the state "
                    f"must be {expected}."
                )
            arrays = {name: np.asarray(layer[name]) for name in names}
            for name, value in arrays.items():
                if value.shape != (seqs.n_samples, width):
                    raise ValueError(
                        f"state[{li}][{name!r}] has shape {value.shape}, expected "
                        f"{(seqs.n_samples, width)}: the state must be {expected}."
                    )
                if value.dtype.kind not in "fiu" or not np.isfinite(value).all():
                    raise ValueError(
                        f"state[{li}][{name!r}] must hold finite numbers; the state must "
                        f"be {expected}."
                    )
            checked.append({k: v.astype(seqs.dtype, copy=False) for k, v in arrays.items()})
        return checked

    # ------------------------------------------------------------------ generation
    @finite_prediction
    def generate(self, prefix, n_steps, temperature=1.0, random_state=None, state=None):
        """Continue each prefix autoregressively (models trained on next-step targets).

        The prefix is read once; each further step feeds the model's output back as the
        next input and carries every layer's state, so it costs one step of the network.
        Numeric models feed back their predictions; categorical ones sample a class
        (input feature ``j``, or token id ``classes_[j]`` with an embedding, stands for
        ``classes_[j]``).

        Parameters
        ----------
        prefix : array-like or list of arrays
            Sequences to continue (3-D or list form; a 2-D array must keep the fitted
            number of columns).
        n_steps : int
            Steps to generate after each prefix.
        temperature : float, default=1.0
            Categorical sampling temperature: probabilities are raised to
            ``1 / temperature`` and renormalised; 0 is greedy (argmax). Ignored by
            numeric models.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling.
        state : list of dict or None, default=None
            The state :meth:`predict_stream` returned after the text before each
            prefix: the prefixes are read from it instead of from zero (continue a
            live stream). None: every prefix starts a sequence.

        Returns
        -------
        continuation : ndarray of shape (n_samples, n_steps[, n_outputs])
            The generated values or labels (the prefix is not repeated).
        """
        check_is_fitted(self)
        self._check_can_generate()
        if not isinstance(n_steps, Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
        if not isinstance(temperature, Real) or temperature < 0:
            raise ValueError(f"temperature must be a number >= 0, got {temperature!r}.")
        seqs = self._validated_sequences(prefix)
        initial = self._initial_state(state, seqs)
        rng = check_random_state(random_state)
        choose = _CHOOSERS[self.target_type_](self, temperature, rng)
        out = None
        for batch in self._batches(seqs):
            emitted = np.stack(
                s2s.generate(
                    self._params(), self._spec, batch, n_steps, self._loss, choose,
                    batch_states(initial, batch),
                ),
                axis=1,
            )
            if out is None:
                out = np.empty((seqs.n_samples, *emitted.shape[1:]), dtype=emitted.dtype)
            out[batch.order] = emitted
        if self.target_type_ == "categorical":
            return self.classes_[out]
        return out[..., 0] if self.n_outputs_ == 1 else out

    def _check_can_generate(self):
        problem = self._carry_problem() or self._feedback_problem()
        if problem is not None:
            raise ValueError(
                f"generate needs a model trained on next-step targets whose outputs can be "
                f"fed back as inputs, but this {type(self).__name__} cannot: {problem}."
            )

    def _feedback_problem(self):
        """Why this model's outputs cannot be its next inputs, or None."""
        spec = self._spec
        if self.target_type_ == "numeric":
            if spec.n_tokens is not None or self.n_outputs_ != spec.input_size:
                return (
                    f"it predicts {self.n_outputs_} value(s) per step but reads "
                    + ("token ids" if spec.n_tokens is not None
                       else f"{spec.input_size} feature(s) per step")
                )
        elif spec.n_tokens is not None:
            if self.classes_.dtype.kind not in "iu":
                return "its classes are not integer token ids"
        elif len(self.classes_) != spec.input_size:
            return (
                f"it has {len(self.classes_)} classes but reads {spec.input_size} "
                "feature(s) per step, so a class cannot become a one-hot input"
            )
        return None


def _step_accuracy(true, pred, sample_weight):
    """Per-step accuracy; a pair of sequences of different lengths counts the steps
    of the longer one.
    """
    hits, steps = [], []
    for t, p in zip(true, pred, strict=True):
        n = min(len(t), len(p))
        hits.append(np.sum(t[:n] == p[:n]))
        steps.append(max(len(t), len(p)))
    hits, steps = np.asarray(hits, float), np.asarray(steps, float)
    if sample_weight is not None:
        hits, steps = hits * sample_weight, steps * sample_weight
    return float(hits.sum() / steps.sum())


def _choose_numeric(est, temperature, rng):
    def choose(out, t):
        return out, out

    return choose


def _choose_categorical(est, temperature, rng):
    n_classes = len(est.classes_)
    spec = est._spec

    def choose(out, t):
        k = s2s.sample_classes(est._probabilities(out), temperature, rng)
        if spec.n_tokens is not None:
            return k, emb.known_ids(est.classes_[k].astype(np.intp), est._token_seen)
        x = np.zeros((len(k), n_classes), dtype=out.dtype)
        x[np.arange(len(k)), k] = 1.0
        return k, x

    return choose


_ENCODERS = {
    "numeric": SeqToSeqRNN._encode_numeric,
    "categorical": SeqToSeqRNN._encode_categorical,
}
_CHOOSERS = {"numeric": _choose_numeric, "categorical": _choose_categorical}
