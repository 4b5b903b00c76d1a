"""The fit loop, layered so each level can be read alone.

fit -> epoch -> batch step -> loss.

The loop is a set of functions of an immutable :class:`FitConfig` (the estimator's
training hyperparameters), a :class:`Trainer` (parameter views and scratch) and a
:class:`Problem` (the data). They fill a :class:`History` record, which the estimator
copies into ``n_iter_``, ``loss_curve_``, ... They never read or write an estimator.

Event points (:class:`Events`): before every epoch the ``on_epoch_begin`` callables
receive an :class:`EpochBegin` (how many mini-batches it will run at most); around every
mini-batch step (with ``stream``: every window) ``on_batch_begin`` and ``on_batch_end``
receive a :class:`BatchBegin` and a :class:`BatchEnd`; after every epoch the
``on_epoch_end`` callables receive an :class:`EpochEnd` and may return True to stop
training (the model stays fitted and consistent, as after Ctrl-C). An L-BFGS iteration
is an epoch without batches; it begins at its first loss evaluation. A begun epoch or
batch has no end event when training is interrupted or diverges inside it, or when
scipy abandons an L-BFGS line search. Learning-rate schedules and callbacks (see
``_callbacks``) plug in there. ``SOLVERS`` maps each ``solver`` to its loop.
"""

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from . import _network as net
from . import _recurrent as rec
from . import _seq2seq as s2s
from . import _streams as streams
from ._embedding import RowGradient, freeze_rows
from ._embedding import table_size as emb_table_size
from ._input import Sequences, stacked
from ._optim import clip_by_global_norm, make_optimizer, optimizer_step
from .exceptions import DivergenceError


# --------------------------------------------------------------------------- records
class FitConfig(NamedTuple):
    """The training hyperparameters of one fit, read once from the estimator."""

    solver: str = "adam"
    learning_rate: str = "adaptive"  # key of SCHEDULES
    learning_rate_init: float = 0.005
    learning_rate_min: float = 1e-6
    max_iter: int = 200
    batch_size: object = "auto"
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 10
    early_stopping: bool = False
    validation_fraction: float = 0.1
    clip_norm: float | None = 5.0
    alpha: float = 1e-4
    dropout: float = 0.0
    input_dropout: float = 0.0
    recurrent_dropout: float = 0.0
    input_noise: float = 0.0
    token_dropout: float = 0.0
    bptt_steps: int | None = None
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    verbose: bool = False
    teacher_forcing_ratio: float = 1.0  # encoder–decoders only
    stream: bool = False  # aligned per-step targets only: see ``_streams``
    frozen_rows: tuple = ()  # (start, stop) ids of embedding rows never updated

    @property
    def noise(self):
        """The training noise the loss functions draw (``_recurrent.TrainingNoise``)."""
        return rec.TrainingNoise(
            self.input_dropout, self.recurrent_dropout, self.input_noise,
            self.token_dropout,
        )

    @classmethod
    def from_params(cls, params):
        """Return the configuration of the estimator parameters ``params`` (a dict)."""
        return cls(**{name: params[name] for name in cls._fields if name in params})


@dataclass
class History:
    """What a fit did, epoch by epoch: the estimator's ``n_iter_``, ``t_``,
    ``loss_curve_``, ... and the optimizer state a later ``partial_fit`` continues.
    """

    n_iter: int = 0  # epochs (L-BFGS: iterations), over every call that kept the model
    t: int = 0  # training samples seen, as sklearn's MLP counts them
    loss_curve: list = field(default_factory=list)
    grad_norm_curve: list = field(default_factory=list)
    loss: float = np.nan
    best_loss: float | None = np.inf
    validation_scores: list | None = None
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    optimizer: dict | None = None  # plain data: see ``_optim``
    stop_reason: str = ""  # "converged", "max_iter", "interrupted", "callback", ...

    def restarted(self):
        """Return the record a ``warm_start`` fit starts from: counts and nothing else."""
        return History(n_iter=self.n_iter, t=self.t)


class EpochBegin(NamedTuple):
    epoch: int
    n_batches: int  # mini-batch steps (windows, reservoir chunks) at most; 0: none


class BatchBegin(NamedTuple):
    epoch: int
    n_samples: int  # sequences (stream: segments) in the batch


class BatchEnd(NamedTuple):
    epoch: int
    loss: float  # the batch's mean loss
    grad_norm: float  # before clipping
    n_samples: int


class EpochEnd(NamedTuple):
    epoch: int
    loss: float
    validation_score: float | None
    grad_norm: float
    params: np.ndarray | None  # the flat parameters after this epoch (read only);
    # None for an echo state network, whose readout is the estimator's already


class Events(NamedTuple):
    """Callables the loop calls at its event points (see the module docstring)."""

    on_batch_end: tuple = ()  # f(history, BatchEnd) -> None
    on_epoch_end: tuple = ()  # f(history, EpochEnd) -> True to stop
    on_epoch_begin: tuple = ()  # f(history, EpochBegin) -> None
    on_batch_begin: tuple = ()  # f(history, BatchBegin) -> None

    def merged(self, other):
        """Return the events that call this one's callables, then ``other``'s."""
        return Events(*(mine + theirs for mine, theirs in zip(self, other, strict=True)))


def emit(callables, history, info):
    """Call every one of ``callables`` (all of them); True if any asked to stop."""
    return any([bool(f(history, info)) for f in callables])


class Problem(NamedTuple):
    """A training set ready for the core: targets and weights in sample order."""

    seqs: Sequences
    Y: np.ndarray  # (n_samples, n_outputs) float, or s2s.TargetSequences (ragged)
    sample_weight: np.ndarray | None
    spec: net.NetSpec  # or s2s.EncoderDecoderSpec
    loss: str
    stratify: np.ndarray | None  # labels for a stratified validation split
    objective: str = "many_to_one"  # key of OBJECTIVES

    def subset(self, index):
        """Return the same problem restricted to the samples ``index``."""
        seqs = self.seqs
        lengths = seqs.lengths[index]
        offsets = stacked(lengths)
        rows = np.repeat(seqs.offsets[index] - offsets, lengths) + np.arange(lengths.sum())
        sub = Sequences(seqs.data[rows], lengths, offsets)
        sw = None if self.sample_weight is None else self.sample_weight[index]
        strat = None if self.stratify is None else self.stratify[index]
        return self._replace(seqs=sub, Y=self.Y[index], sample_weight=sw, stratify=strat)

    def segments(self, source, step, lengths):
        """Return the problem of the pieces ``step[j]:step[j] + lengths[j]`` of the
        sequences ``source[j]`` (aligned targets, one per input step), sharing this one's
        data.
        """
        seqs = Sequences(self.seqs.data, lengths, self.seqs.offsets[source] + step)
        Y = s2s.TargetSequences(
            self.Y.data, lengths, self.Y.offsets[source] + step, self.Y.n_outputs
        )
        sw = None if self.sample_weight is None else self.sample_weight[source]
        return self._replace(seqs=seqs, Y=Y, sample_weight=sw, stratify=None)


class Trainer(NamedTuple):
    """What a batch step needs besides the batch: parameter views and scratch."""

    flat: np.ndarray
    params: net.Params
    grad_flat: np.ndarray
    grads: net.Params
    reg_mask: np.ndarray
    embedding_grad: RowGradient | None = None  # row-sparse embedding gradient
    workspace: rec.Workspace | None = None  # recurrent buffers reused across batches
    backup: np.ndarray | None = None  # the weights before a step, kept if it diverges


class Architecture(NamedTuple):
    """How a kind of network lays out, initialises and packs its flat parameters."""

    init_params: Callable  # (spec, rng, dtype) -> flat
    pack: Callable  # (structured params, spec, dtype) -> flat
    unpack: Callable  # (flat, spec) -> structured views
    regularised_mask: Callable  # (spec, dtype) -> 0/1 per parameter


# keyed by the type of the spec: one recurrent stack, or an encoder and a decoder
ARCHITECTURES = {
    net.NetSpec: Architecture(
        net.init_params, net.pack, net.unpack, net.regularised_mask
    ),
    s2s.EncoderDecoderSpec: Architecture(
        s2s.init_params, s2s.pack, s2s.unpack, s2s.regularised_mask
    ),
}


def architecture(spec):
    return ARCHITECTURES[type(spec)]


def make_trainer(flat, spec):
    arch = architecture(spec)
    grad_flat = np.empty_like(flat)
    embedding_grad = None
    if spec.n_tokens is not None:
        embedding_grad = RowGradient((spec.n_tokens, spec.input_size), flat.dtype)
    return Trainer(
        flat, arch.unpack(flat, spec), grad_flat, arch.unpack(grad_flat, spec),
        arch.regularised_mask(spec, flat.dtype), embedding_grad, rec.Workspace(),
        np.empty_like(flat),
    )


# --------------------------------------------------------------------------- the loss
# each objective's loss-and-gradient function and the FitConfig fields it reads besides
# the ones every objective shares
OBJECTIVES = {
    "many_to_one": (net.loss_grad, ("bptt_steps",)),
    "aligned": (s2s.aligned_loss_grad, ("bptt_steps",)),
    "encoder_decoder": (s2s.encoder_decoder_loss_grad, ("teacher_forcing_ratio",)),
}
# the objectives whose loss reads the recurrent stack through a reusable workspace
_WORKSPACE = {"many_to_one", "aligned"}


def batch_loss_grad(config, trainer, problem, index, rng, sparse=False, **states):
    """Loss of the samples ``index`` and its gradient in ``trainer.grad_flat``.

    With ``sparse``, an embedding's gradient goes row-sparse into
    ``trainer.embedding_grad`` instead (mini-batch steps; L-BFGS needs it dense).
    ``states`` (``initial``, ``final``: see :func:`skrnn._network.backprop_windows`)
    go to the aligned objective, whose streams carry states between windows.
    """
    loss_grad, extra = OBJECTIVES[problem.objective]
    batch = net.make_batch(problem.seqs, index)
    sw = None if problem.sample_weight is None else problem.sample_weight[batch.order]
    kwargs = {name: getattr(config, name) for name in extra}
    if problem.objective in _WORKSPACE:
        kwargs["workspace"] = trainer.workspace
    kwargs.update(states)
    embedding_grad = trainer.embedding_grad if sparse else None
    loss = loss_grad(
        trainer.params, trainer.grads, problem.spec, batch, problem.Y[batch.order], sw,
        problem.loss, alpha=config.alpha, reg_mask=trainer.reg_mask, flat=trainer.flat,
        grad_flat=trainer.grad_flat, dropout=config.dropout, rng=rng, noise=config.noise,
        embedding_grad=embedding_grad, **kwargs,
    )
    if config.frozen_rows:
        table_grad = trainer.grad_flat[: emb_table_size(problem.spec)]
        table_grad = table_grad.reshape(problem.spec.n_tokens, -1)
        freeze_rows(embedding_grad, config.frozen_rows, table_grad)
    return loss


def _check_finite(loss, norm, epoch):
    if not (np.isfinite(loss) and np.isfinite(norm)):
        raise DivergenceError(
            f"Training diverged at epoch {epoch}: the loss or its gradient is not finite "
            f"(loss={loss}, gradient norm={norm}). Set clip_norm (e.g. 1.0) or lower "
            "learning_rate_init; the estimator keeps its last finite weights."
        )


# --------------------------------------------------------------------------- stochastic
def batch_size(config, n_samples, auto=200, what="samples"):
    """Rows of a mini-batch: sequences, or with ``stream`` streams of ``n_samples``
    steps in all (each stream needs one).
    """
    if config.batch_size == "auto":
        return min(auto, n_samples)
    if config.batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={config.batch_size} larger than the {n_samples} {what}; "
            f"it is clipped to the number of {what}.",
            stacklevel=2,
        )
    return min(config.batch_size, n_samples)


def optimizer_update(config, trainer, optimizer, loss, norm, epoch):
    """One optimizer step from the gradient in ``trainer``; weights that it would make
    non-finite are put back and reported as a :class:`DivergenceError`.

    With a row-sparse embedding gradient only the rows it touches are saved and
    checked, so a step costs nothing in proportion to the vocabulary.
    """
    _check_finite(loss, norm, epoch)
    changed = _changed_parts(trainer)
    saved = [part.copy() for part in changed()]
    optimizer_step(optimizer, trainer.flat, trainer.grad_flat, trainer.embedding_grad)
    if not all(np.isfinite(part).all() for part in changed()):
        _restore(trainer, saved)
        raise DivergenceError(
            f"Training diverged at epoch {epoch}: a step of learning rate "
            f"{optimizer['learning_rate']:g} made the weights overflow (gradient norm "
            f"{norm:.3g}). Set clip_norm (e.g. 1.0) or lower learning_rate_init; the "
            "estimator keeps its last finite weights."
        )


def _changed_parts(trainer):
    """Return a function listing the parts of ``trainer.flat`` one step changes: the
    whole vector, or the dense block and the embedding rows of the sparse gradient.
    """
    sparse = trainer.embedding_grad
    if sparse is None:
        return lambda: [trainer.flat]
    table = trainer.flat[: sparse.size].reshape(sparse.shape)
    rows = sparse.rows
    return lambda: [trainer.flat[sparse.size :], table[rows]]


def _restore(trainer, saved):
    sparse = trainer.embedding_grad
    if sparse is None:
        trainer.flat[...] = saved[0]
        return
    trainer.flat[sparse.size :] = saved[0]
    trainer.flat[: sparse.size].reshape(sparse.shape)[sparse.rows] = saved[1]


def run_epoch(config, trainer, problem, history, rng, events=None):
    """One pass over the data; returns the mean loss and the mean pre-clipping norm."""
    events = Events() if events is None else events
    n = problem.seqs.n_samples
    order = rng.permutation(n) if config.shuffle else np.arange(n)
    size = batch_size(config, n)
    epoch = history.n_iter + 1
    emit(events.on_epoch_begin, history, EpochBegin(epoch, -(-n // size)))
    total_loss, total_norm, n_batches = 0.0, 0.0, 0
    for start in range(0, n, size):
        index = order[start : start + size]
        if problem.sample_weight is not None and not problem.sample_weight[index].any():
            continue  # a batch of zero weights has no loss to descend
        emit(events.on_batch_begin, history, BatchBegin(epoch, len(index)))
        # overflow can only come from a diverging run, which is reported below
        with np.errstate(over="ignore", invalid="ignore"):
            loss = batch_loss_grad(config, trainer, problem, index, rng, sparse=True)
            norm = clip_by_global_norm(
                trainer.grad_flat, config.clip_norm, trainer.embedding_grad
            )
            optimizer_update(config, trainer, history.optimizer, loss, norm, epoch)
        total_loss += loss * len(index)
        total_norm += norm
        n_batches += 1
        emit(events.on_batch_end, history, BatchEnd(epoch, loss, norm, len(index)))
    # run_stochastic refuses a training set without weight, so a batch always ran
    return total_loss / n, total_norm / n_batches


def run_stream_epoch(config, trainer, problem, history, rng, events=None):
    """One pass over the data as parallel streams, one optimizer step per window (see
    ``_streams``); returns the mean loss per weighted step and the mean pre-clipping
    norm. ``on_batch_end`` receives every window, ``n_samples`` being its segments.
    """
    events = Events() if events is None else events
    n = problem.seqs.n_samples
    order = rng.permutation(n) if config.shuffle else np.arange(n)
    total_steps = int(problem.seqs.lengths.sum())
    n_streams = batch_size(config, total_steps, streams.AUTO_STREAMS, "time steps")
    layout = streams.stream_layout(
        problem.seqs.lengths, order, n_streams, config.bptt_steps or streams.DEFAULT_WINDOW
    )
    epoch = history.n_iter + 1
    emit(events.on_epoch_begin, history, EpochBegin(epoch, layout.n_windows))
    dtype = trainer.flat.dtype
    total_loss, total_weight, total_norm, n_updates = 0.0, 0.0, 0.0, 0
    carried, start = None, time.perf_counter()
    report_every = -(-layout.n_windows // 10)  # about ten progress lines an epoch
    for k in range(layout.n_windows):
        segments = streams.window_segments(layout, k)
        window = problem.segments(segments.source, segments.step, segments.lengths)
        index = np.arange(len(segments.lengths))  # already sorted: make_batch keeps it
        initial = streams.initial_states(carried, segments, problem.spec, dtype)
        final = []
        weights = segments.lengths if window.sample_weight is None else (
            segments.lengths * window.sample_weight
        )
        weight = float(weights.sum())
        with np.errstate(over="ignore", invalid="ignore"):
            if weight > 0:
                emit(events.on_batch_begin, history, BatchBegin(epoch, len(index)))
                loss = batch_loss_grad(
                    config, trainer, window, index, rng, sparse=True, initial=initial,
                    final=final,
                )
                norm = clip_by_global_norm(
                    trainer.grad_flat, config.clip_norm, trainer.embedding_grad
                )
                optimizer_update(config, trainer, history.optimizer, loss, norm, epoch)
            else:  # nothing to descend, but the streams still read the window
                batch = net.make_batch(window.seqs, index)
                final = s2s.aligned_output(
                    trainer.params, problem.spec, batch, problem.loss, initial
                )[1]
        carried = streams.carry(carried, final, segments, n_streams)
        if weight > 0:
            total_loss += loss * weight
            total_weight += weight
            total_norm += norm
            n_updates += 1
            emit(events.on_batch_end, history, BatchEnd(epoch, loss, norm, len(index)))
        if config.verbose and (k + 1) % report_every == 0:
            print(
                f"Epoch {epoch}, window {k + 1}/{layout.n_windows}: "
                f"loss={total_loss / max(total_weight, 1e-300):.6f}, "
                f"time={time.perf_counter() - start:.2f}s"
            )
    # run_stochastic refuses a training set without weight, so a window ran
    return total_loss / total_weight, total_norm / n_updates


def validation_split(config, problem, rng):
    """Hold out ``validation_fraction`` of the samples for early stopping.

    The split is stratified by class for classifiers (``problem.stratify``).
    """
    n = problem.seqs.n_samples
    if problem.stratify is not None:
        _check_stratifiable(config.validation_fraction, problem.stratify)
    train, val = train_test_split(
        np.arange(n), random_state=rng, test_size=config.validation_fraction,
        stratify=problem.stratify,
    )
    if len(val) < 2:
        raise ValueError(
            f"The validation set holds {len(val)} sample(s), too few for early stopping; "
            "raise validation_fraction or provide more samples."
        )
    return problem.subset(train), problem.subset(val)


def _check_stratifiable(fraction, labels):
    """Raise a ValueError in early stopping's terms where no stratified split exists.

    scikit-learn's own message speaks of ``test_size``, which the user never set.
    """
    classes, counts = np.unique(labels, return_counts=True)
    n = len(labels)
    n_val = math.ceil(fraction * n)  # as train_test_split rounds a fractional test_size
    if min(n_val, n - n_val) >= len(classes) and counts.min() >= 2:
        return
    raise ValueError(
        f"early_stopping holds out validation_fraction={fraction} of the {n} samples "
        f"({n_val}), stratified by class: that needs at least one sample of each of the "
        f"{len(classes)} classes on both sides, and two samples of every class (the "
        f"rarest has {counts.min()}). Raise validation_fraction, provide more samples, "
        "or set early_stopping=False."
    )


def stream_validation_split(config, problem, rng):
    """Early stopping's split of a stream fit: whole sequences held out when there are
    at least two, else the last ``validation_fraction`` of the one sequence.
    """
    n = problem.seqs.n_samples
    if n >= 2:
        train, val = train_test_split(
            np.arange(n), random_state=rng, test_size=config.validation_fraction
        )
        return problem.subset(train), problem.subset(val)
    length = int(problem.seqs.lengths[0])
    cut = min(max(int(round(length * (1 - config.validation_fraction))), 1), length - 1)
    if cut < 1:
        raise ValueError(
            f"early_stopping holds out the last validation_fraction of a single "
            f"sequence, but it has only {length} step(s); give a longer sequence or "
            "set early_stopping=False."
        )
    zero = np.zeros(1, dtype=np.intp)
    train = problem.segments(zero, zero, np.array([cut], dtype=np.intp))
    val = problem.segments(zero, zero + cut, np.array([length - cut], dtype=np.intp))
    # contiguous copies, as a scorer of targets expects them
    return train.subset(zero), val.subset(zero)


# how an epoch runs and how early stopping holds data out, by ``FitConfig.stream``:
# mini-batches of whole sequences, or parallel streams stepped window by window
EPOCHS = {
    False: (run_epoch, validation_split),
    True: (run_stream_epoch, stream_validation_split),
}


def _check_has_weight(problem, early_stopping):
    if problem.sample_weight is not None and not problem.sample_weight.any():
        where = "the training split (every non-zero weight fell into the validation " \
            "split of early_stopping)" if early_stopping else "the data"
        raise ValueError(
            f"Every sample of {where} has sample_weight 0, so there is no loss to "
            "descend. Give more samples a non-zero weight"
            + (" or set early_stopping=False." if early_stopping else ".")
        )


def run_stochastic(
    config, trainer, problem, rng, history, incremental=False, validation_score=None,
    events=None,
):
    """SGD / Adam over epochs, with early stopping and no-improvement stopping.

    ``validation_score(problem)`` scores the current weights on held-out samples.
    ``history`` is updated in place as the epochs run (so it is complete up to an
    error) and returned.
    """
    events = Events() if events is None else events
    if not incremental or history.optimizer is None:
        history.optimizer = make_optimizer(
            config.solver, trainer.flat.size, trainer.flat.dtype, config,
            None if trainer.embedding_grad is None else trainer.embedding_grad.shape,
        )
    run_one_epoch, split = EPOCHS[bool(config.stream)]
    early_stopping = config.early_stopping and not incremental
    if early_stopping:
        problem, val_problem = split(config, problem, rng)
        history.validation_scores = []
        history.best_validation_score = -np.inf
        history.best_loss = None
        best_flat = trainer.flat.copy()
    else:
        history.validation_scores = None
        history.best_validation_score = None
    _check_has_weight(problem, early_stopping)
    n_epochs = 1 if incremental else config.max_iter
    start = time.perf_counter()
    history.stop_reason = "max_iter"
    try:
        for _ in range(n_epochs):
            loss, norm = run_one_epoch(config, trainer, problem, history, rng, events)
            history.n_iter += 1
            history.t += problem.seqs.n_samples
            history.loss_curve.append(loss)
            history.grad_norm_curve.append(norm)
            history.loss = loss
            score = validation_score(val_problem) if early_stopping else None
            if config.verbose:
                _print_epoch(history.n_iter, loss, score, norm, time.perf_counter() - start)
            if early_stopping:
                history.validation_scores.append(score)
                improved = score >= history.best_validation_score + config.tol
                if score > history.best_validation_score:
                    history.best_validation_score = score
                    best_flat[...] = trainer.flat
            else:
                improved = loss <= history.best_loss - config.tol
                history.best_loss = min(history.best_loss, loss)
            history.no_improvement_count = (
                0 if improved else history.no_improvement_count + 1
            )
            info = EpochEnd(history.n_iter, loss, score, norm, trainer.flat)
            if emit(events.on_epoch_end, history, info):
                history.stop_reason = "callback"
                break
            if incremental:
                continue
            if history.no_improvement_count >= config.n_iter_no_change:
                if SCHEDULES[config.learning_rate](config, history):
                    continue
                history.stop_reason = "converged"
                if config.verbose:
                    what = "validation score" if early_stopping else "training loss"
                    print(
                        f"The {what} did not improve more than tol={config.tol} for "
                        f"{config.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        else:
            if not incremental:
                warnings.warn(
                    f"Stochastic optimizer: maximum iterations ({config.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
        warnings.warn(
            "Training interrupted by user; the estimator keeps the weights reached so far.",
            stacklevel=2,
        )
    if early_stopping:
        trainer.flat[...] = best_flat
    return history


# --------------------------------------------------------------------------- schedules
# what "adaptive" divides the learning rate by on a plateau (sklearn's MLP: 5)
PLATEAU_FACTOR = 5.0


def _constant(config, history):
    """End training on a plateau."""
    return False


def _reduce_on_plateau(config, history):
    """On a plateau, divide the learning rate by :data:`PLATEAU_FACTOR` and go on
    training, until the rate would fall below ``learning_rate_min``; True if it went on.
    """
    optimizer = history.optimizer
    lowered = optimizer["learning_rate"] / PLATEAU_FACTOR
    if lowered < config.learning_rate_min:
        return False
    if config.verbose:
        print(
            f"No improvement for {config.n_iter_no_change} epochs: learning rate "
            f"{optimizer['learning_rate']:.3g} -> {lowered:.3g}"
        )
    optimizer["learning_rate"] = lowered
    history.no_improvement_count = 0
    return True


# learning_rate: what a plateau of n_iter_no_change epochs without improvement does
# (the validation score with early stopping, else the training loss)
SCHEDULES = {"constant": _constant, "adaptive": _reduce_on_plateau}


def _print_epoch(epoch, loss, score, norm, elapsed):
    parts = [f"Epoch {epoch}", f"loss={loss:.6f}"]
    if score is not None:
        parts.append(f"validation score={score:.4f}")
    parts += [f"grad norm={norm:.4g}", f"time={elapsed:.2f}s"]
    print(", ".join(parts))


# --------------------------------------------------------------------------- L-BFGS
def run_lbfgs(
    config, trainer, problem, rng, history, incremental=False, validation_score=None,
    events=None,
):
    """Full-batch L-BFGS-B through ``scipy.optimize.minimize`` (clip_norm not used).

    Each accepted iterate is an "epoch" of the event points (no batch events); it
    begins at the first loss evaluation after the previous one.
    """
    events = Events() if events is None else events
    index = np.arange(problem.seqs.n_samples)
    last = {"norm": np.nan}
    start = time.perf_counter()
    n_iter_before = history.n_iter
    # fun() evaluates trial points of the line search; after an interruption or a
    # divergence the estimator keeps the last accepted iterate, whose loss it recorded
    accepted = {"x": trainer.flat.astype(np.float64)}
    iteration = {"open": False}

    def fun(x):
        if not iteration["open"]:
            iteration["open"] = True
            emit(events.on_epoch_begin, history, EpochBegin(history.n_iter + 1, 0))
        trainer.flat[...] = x
        with np.errstate(over="ignore", invalid="ignore"):
            loss = batch_loss_grad(config, trainer, problem, index, rng)
            last["norm"] = float(np.sqrt(trainer.grad_flat @ trainer.grad_flat))
        _check_finite(loss, last["norm"], history.n_iter + 1)
        return loss, trainer.grad_flat.astype(np.float64)

    def callback(intermediate_result):
        accepted["x"] = intermediate_result.x.copy()
        iteration["open"] = False
        history.n_iter += 1
        loss = float(intermediate_result.fun)
        history.loss_curve.append(loss)
        history.grad_norm_curve.append(last["norm"])
        if config.verbose:
            elapsed = time.perf_counter() - start
            _print_epoch(history.n_iter, loss, None, last["norm"], elapsed)
        info = EpochEnd(history.n_iter, loss, None, last["norm"], accepted["x"])
        if emit(events.on_epoch_end, history, info):
            history.stop_reason = "callback"
            raise StopIteration  # scipy ends the run and returns this iterate

    history.validation_scores = None
    history.best_validation_score = None
    history.stop_reason = "converged"
    try:
        result = scipy.optimize.minimize(
            fun, accepted["x"], method="L-BFGS-B", jac=True, callback=callback,
            options={"maxiter": config.max_iter, "maxfun": 15000, "gtol": config.tol},
        )
        trainer.flat[...] = result.x
        history.loss = float(result.fun)
        if result.status == 1:
            history.stop_reason = "max_iter"
            warnings.warn(
                "lbfgs failed to converge after max_iter iterations; increase max_iter "
                "or scale the data.",
                ConvergenceWarning,
                stacklevel=2,
            )
    except DivergenceError:
        trainer.flat[...] = accepted["x"]
        raise
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
        warnings.warn("Training interrupted by user; the estimator keeps the weights "
                      "reached so far.", stacklevel=2)
        trainer.flat[...] = accepted["x"]
        history.loss = history.loss_curve[-1] if history.loss_curve else np.nan
    finally:
        # every iteration of this call read every sample once (as sklearn's MLP counts)
        history.t += problem.seqs.n_samples * max(history.n_iter - n_iter_before, 1)
    history.best_loss = min(history.loss_curve) if history.loss_curve else history.loss
    return history


SOLVERS = {"adam": run_stochastic, "sgd": run_stochastic, "lbfgs": run_lbfgs}
