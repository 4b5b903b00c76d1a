"""The two ways an estimator learns, chosen through one table by ``cell_type``.

* ``"trained"`` (Elman, LSTM, GRU): every weight is learned by backpropagation through
  time, with the loop of ``_training``.
* ``"reservoir"`` (``cell_type="esn"``): an echo state network. A fixed random reservoir
  runs over the sequences and only the readout is fitted, in closed form, from normal
  equations that ``partial_fit`` keeps accumulating.

A :class:`Backend` is a named tuple of functions of the estimator. The estimator base
validates the data once (:class:`FitData`) and hands it to its backend; it holds no branch
on the cell type.
"""

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from . import _embedding as emb
from . import _network as net
from . import _reservoir as esn
from . import _seq2seq as s2s
from ._blas import one_blas_thread
from ._cells import CELLS
from ._input import Sequences
from ._pooling import check_truncation
from ._training import (
    SOLVERS,
    BatchBegin,
    BatchEnd,
    EpochBegin,
    EpochEnd,
    FitConfig,
    History,
    Problem,
    architecture,
    emit,
    make_trainer,
)

# sequences per inference batch: sorted by length first, so batches are near-uniform
PREDICT_BATCH = 256


class FitData(NamedTuple):
    """What every backend fits on, validated once by the estimator base."""

    seqs: Sequences
    Y: object  # (n_samples, n_outputs) array, or s2s.TargetSequences
    loss: str
    sample_weight: np.ndarray | None
    stratify: np.ndarray | None  # labels a validation split keeps in proportion
    hidden: tuple  # hidden_layer_sizes as ints
    input_size: int  # features per step, or embedding_dim with token ids
    token_seen: np.ndarray | None  # token ids seen in training, with an embedding
    embedding_init: np.ndarray | None = None  # pretrained rows of ids 2, 3, ...


class Backend(NamedTuple):
    check: Callable  # (est, hidden) -> None; raises on settings the backend cannot honour
    fit: Callable  # (est, FitData, first_call, incremental, Events) -> None
    n_epochs: Callable  # (est, incremental) -> epochs a fit runs at most
    output: Callable  # (est, seqs) -> activated outputs, in the objective's layout
    partial_fit_error: Callable  # (est) -> None, or why partial_fit is unavailable
    attributes: tuple  # the public fitted attributes only this backend sets
    generates: bool  # whether a fitted model can generate (feed its outputs back)
    description: str  # what a fitted model of this backend is, for messages


# --------------------------------------------------------------------------- trained
def _check_trained(est, hidden):
    if est.bidirectional and est.bptt_steps is not None:
        raise ValueError(
            "bptt_steps (truncated BPTT) cannot be combined with bidirectional=True: "
            "the backward direction needs the whole sequence."
        )


def _fit_trained(est, data, first_call, incremental, events):
    spec = net.NetSpec(
        est.cell_type, data.input_size, data.hidden, bool(est.bidirectional),
        data.Y.shape[1], est.activation,
        n_tokens=None if data.token_seen is None else len(data.token_seen),
    )
    spec = est._task_spec(spec)
    # before any training: a later mini-batch holding a longer sequence would fail
    # mid-fit. Specs without a readout (an encoder–decoder) read the last states.
    check_truncation(
        getattr(spec, "pooling", "last"), est.bptt_steps, int(data.seqs.lengths.max())
    )
    dtype = data.seqs.dtype
    if first_call:
        est._random_state = check_random_state(est.random_state)
        flat = architecture(spec).init_params(spec, est._random_state, dtype)
        if data.embedding_init is not None:
            emb.start_from(flat, spec, data.embedding_init)
        history = History()
    else:
        if spec != est._spec:
            raise ValueError(
                "warm_start / partial_fit need the same network: the fitted one is "
                f"{est._spec}, the current parameters give {spec}."
            )
        flat = architecture(spec).pack(est._params(), spec, dtype)
        history = est._history() if incremental else est._history().restarted()
    est._backend, est._spec, est._loss = "trained", spec, data.loss
    est._token_seen = data.token_seen
    trainer = make_trainer(flat, spec)
    est._set_params_views(trainer.params)
    problem = Problem(
        data.seqs, data.Y, data.sample_weight, spec, data.loss, data.stratify,
        est._objective,
    )
    config = FitConfig.from_params(est.get_params(deep=False))
    if est.freeze_embedding and data.embedding_init is not None:
        config = config._replace(frozen_rows=emb.pretrained_rows(data.embedding_init))
    try:
        with one_blas_thread:
            SOLVERS[config.solver](
                config, trainer, problem, est._random_state, history, incremental,
                est._validation_score, events,
            )
    finally:
        # the public attributes are views of the trained vector, also after an error
        est._set_params_views(trainer.params)
        est._record_history(history)


def _trained_epochs(est, incremental):
    """Epochs (L-BFGS: iterations) a fit runs at most; ``partial_fit`` runs one."""
    return 1 if incremental else est.max_iter


def _trained_output(est, seqs):
    return TRAINED_OUTPUTS[est._objective](est, seqs, est._params())


def _many_to_one_output(est, seqs, params):
    """(n_samples, n_outputs) activated outputs in sample order; a float32 output that
    overflows is computed again in float64 (the caller judges what stays non-finite).
    """
    out = np.empty((seqs.n_samples, est._spec.n_outputs), dtype=seqs.dtype)
    by_length = np.argsort(-seqs.lengths, kind="stable")
    with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, seqs.n_samples, PREDICT_BATCH):
            batch = net.make_batch(seqs, by_length[start : start + PREDICT_BATCH])
            out[batch.order] = net.predict_output(params, est._spec, batch, est._loss)
    if seqs.dtype == np.float32 and not np.isfinite(out).all():
        # float64 features, or token ids of another width than int32 (see Sequences)
        wide_type = np.float64 if seqs.data.dtype.kind == "f" else np.intp
        wide = _many_to_one_output(
            est, seqs._replace(data=seqs.data.astype(wide_type)), _widened(params)
        )
        if (np.abs(wide) <= np.finfo(np.float32).max).all():  # finite, fits float32
            return wide.astype(np.float32)
    return out


def _widened(params):
    return net.Params(
        None if params.embedding is None else params.embedding.astype(np.float64),
        [{k: v.astype(np.float64) for k, v in p.items()} for p in params.recurrent],
        params.coef.astype(np.float64), params.intercept.astype(np.float64),
    )


def _aligned_output(est, seqs, params):
    """Activated outputs of every step: a list of (T_i, n_outputs), sample order."""
    return aligned_stream_output(est, seqs, params)[0]


def batch_states(states, batch):
    """Return the initial states of a batch's sequences (``stack_forward``'s ``h0``,
    sorted order) taken from ``states`` (per layer ``{name: (n_samples, H)}``, sample
    order), or None.
    """
    if states is None:
        return None
    return [
        [{name: value[batch.order] for name, value in layer.items()}] for layer in states
    ]


def aligned_stream_output(est, seqs, params, initial=None):
    """Activated outputs of every step (a list of (T_i, n_outputs), sample order) and
    the states after each sequence's last step (per layer ``{name: (n_samples, H)}``,
    sample order), read from the states ``initial`` (same layout) or from zero.
    """
    out = [None] * seqs.n_samples
    final = None
    by_length = np.argsort(-seqs.lengths, kind="stable")
    for start in range(0, seqs.n_samples, PREDICT_BATCH):
        batch = net.make_batch(seqs, by_length[start : start + PREDICT_BATCH])
        steps, states = s2s.aligned_output(
            params, est._spec, batch, est._loss, batch_states(initial, batch)
        )
        blocks = np.split(steps, np.cumsum(batch.plan.lengths)[:-1])
        for i, block in zip(batch.order, blocks, strict=True):
            out[i] = block
        if final is None:
            final = [
                {name: np.empty((seqs.n_samples, v.shape[1]), v.dtype)
                 for name, v in layer[0].items()}
                for layer in states
            ]
        for layer_out, layer in zip(final, states, strict=True):
            for name, value in layer[0].items():
                layer_out[name][batch.order] = value
    return out, final


# the trained outputs of each objective that has one output per sequence or per step;
# an encoder–decoder decodes (``SeqToSeqRNN``)
TRAINED_OUTPUTS = {"many_to_one": _many_to_one_output, "aligned": _aligned_output}


def _trained_partial_fit_error(est):
    if est.solver not in ("sgd", "adam"):
        return (
            f"partial_fit is only available for stochastic optimizers (or "
            f"cell_type='esn'); {est.solver!r} is not stochastic."
        )
    return None


# --------------------------------------------------------------------------- reservoir
def _check_reservoir(est, hidden):
    if est._objective not in esn.OBJECTIVES:
        raise ValueError(
            f"cell_type='esn' is not available for {type(est).__name__} with "
            f"{est._objective!r} outputs: a decoder that reads its own outputs "
            "has no closed-form readout. Use one output per sequence or "
            "mode='aligned'."
        )
    unsupported = {
        "hidden_layer_sizes": (len(hidden) > 1, "one reservoir: give one size"),
        "bidirectional": (est.bidirectional, "set it to False"),
        "embedding_dim": (est.embedding_dim is not None, "set it to None"),
    }
    for name, (bad, fix) in unsupported.items():
        if bad:
            raise ValueError(
                f"cell_type='esn' does not support {name}={getattr(est, name)!r}; "
                f"{fix}."
            )


def _fit_reservoir(est, data, first_call, incremental, events):
    """Run the reservoir and solve the readout: one epoch, whose batches are the
    chunks of sequences the reservoir runs over.

    The first call draws the reservoir; ``partial_fit`` adds the new sequences to the
    readout's normal equations and solves again; ``fit`` with ``warm_start`` keeps the
    reservoir and solves on the new data alone. The estimator's attributes change only
    once the readout is solved, so a fit that fails (overflow) or is interrupted leaves
    the previous model whole.
    """
    start = time.perf_counter()
    seqs, n_units = data.seqs, data.hidden[0]
    config = esn.ReservoirConfig(float(est.leak_rate), est.activation, int(est.washout))
    spec = esn.ReservoirSpec(seqs.n_features, n_units, data.Y.shape[1], est.activation)
    density = est.reservoir_density
    if density == "auto":
        density = esn.auto_density(n_units)
    build = (
        float(est.spectral_radius), float(density), float(est.input_scaling)
    )
    if not first_call and (spec, build, config) != (
        est._spec, est._esn_build, est._esn_config
    ):
        raise ValueError(
            "warm_start / partial_fit need the same reservoir: the fitted one is "
            f"{est._spec}, {est._esn_build + tuple(est._esn_config)}, the current "
            f"parameters give {spec}, {build + tuple(config)}."
        )
    if first_call:
        est._random_state = check_random_state(est.random_state)
        reservoir = esn.make_reservoir(
            seqs.n_features, n_units, spectral_radius_target=build[0],
            density=build[1], input_scaling=build[2], rng=est._random_state,
        )
    else:
        reservoir = est.reservoir_
    objective = esn.OBJECTIVES[est._objective]
    if first_call or not incremental:
        moments = esn.empty_moments(objective.features_per_unit * n_units, data.Y.shape[1])
    else:
        moments = est._moments
    history = History() if first_call else est._history()
    epoch = history.n_iter + 1
    n_chunks = -(-seqs.n_samples // PREDICT_BATCH)
    emit(events.on_epoch_begin, history, EpochBegin(epoch, n_chunks))
    on_chunk = (
        lambda n: emit(events.on_batch_begin, history, BatchBegin(epoch, n)),
        lambda n: emit(events.on_batch_end, history, BatchEnd(epoch, np.nan, np.nan, n)),
    )
    # huge inputs saturate tanh harmlessly but may overflow on the way; judge the
    # result instead of warning mid-way
    with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
        moments = objective.accumulate(
            moments, reservoir, config, seqs, data.Y, data.sample_weight, PREDICT_BATCH,
            on_chunk,
        )
        finite = all(np.isfinite(part).all() for part in moments)
        if finite:
            coef, intercept = esn.fit_readout(moments, float(est.alpha), data.loss)
            finite = np.isfinite(coef).all() and np.isfinite(intercept).all()
    if not finite:
        raise ValueError(
            "The echo state network's readout overflows float64: X, y or "
            "sample_weight hold values too large for it. Scale them (e.g. with "
            "sklearn.preprocessing.StandardScaler)."
        )
    history.n_iter += 1
    history.t += seqs.n_samples
    history.stop_reason = "solved"
    est._backend, est.reservoir_ = "reservoir", reservoir
    est.output_coef_, est.output_intercept_ = coef, intercept
    est._moments, est._spec, est._loss = moments, spec, data.loss
    est._esn_build, est._esn_config, est._token_seen = build, config, None
    est._record_history(history)
    # one epoch whatever it asks: a stop request has nothing left to stop
    emit(events.on_epoch_end, history, EpochEnd(epoch, np.nan, None, np.nan, None))
    if est.verbose:
        print(
            f"Echo state network: {seqs.n_samples} sequences, {len(seqs.data)} steps "
            f"through {n_units} units, readout solved in "
            f"{time.perf_counter() - start:.2f}s"
        )


def _reservoir_output(est, seqs):
    """Return the ESN's activated outputs in the fitted objective's layout (an array of
    one row per sequence, or a list of per-step blocks).
    """
    with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
        out = esn.OBJECTIVES[est._objective].output(
            est.reservoir_, est._esn_config, est.output_coef_, est.output_intercept_,
            est._loss, seqs, PREDICT_BATCH,
        )
    if not isinstance(out, list):
        return out.astype(seqs.dtype, copy=False)  # the caller judges finiteness
    if not all(np.isfinite(block).all() for block in out):
        raise ValueError(
            "The echo state network's prediction overflows float64: X holds values "
            "too large for it. Scale X (e.g. with sklearn.preprocessing.StandardScaler)."
        )
    return [block.astype(seqs.dtype, copy=False) for block in out]


# --------------------------------------------------------------------------- the table
BACKENDS = {
    "trained": Backend(
        _check_trained, _fit_trained, _trained_epochs, _trained_output,
        _trained_partial_fit_error,
        ("recurrent_coefs_", "embedding_", "decoder_coefs_"), True,
        "a recurrent network trained by BPTT",
    ),
    "reservoir": Backend(
        _check_reservoir, _fit_reservoir, lambda est, incremental: 1, _reservoir_output,
        lambda est: None,
        ("reservoir_",), False, "an echo state network",
    ),
}
# the backend of every cell_type
CELL_TYPES = {**dict.fromkeys(CELLS, "trained"), "esn": "reservoir"}
