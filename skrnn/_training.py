"""The fit loop, layered so each level can be read alone: fit -> epoch -> batch step -> loss.

These functions drive the pure core (``_network``, ``_optim``) with an estimator's
hyperparameters and record the training history on the estimator. ``SOLVERS`` maps each
``solver`` to its loop.
"""

import time
import warnings
from typing import Callable, NamedTuple, Optional

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from . import _network as net
from . import _recurrent as rec
from . import _seq2seq as s2s
from ._embedding import RowGradient
from ._input import Sequences, stacked
from ._optim import clip_by_global_norm, make_optimizer


class Problem(NamedTuple):
    """A training set ready for the core: targets and weights in sample order."""

    seqs: Sequences
    Y: np.ndarray  # (n_samples, n_outputs) float, or s2s.TargetSequences (ragged)
    sample_weight: Optional[np.ndarray]
    spec: net.NetSpec  # or s2s.EncoderDecoderSpec
    loss: str
    stratify: Optional[np.ndarray]  # labels for a stratified validation split
    objective: str = "many_to_one"  # key of OBJECTIVES

    def subset(self, index):
        """The same problem restricted to the samples ``index``."""
        seqs = self.seqs
        lengths = seqs.lengths[index]
        offsets = stacked(lengths)
        rows = np.repeat(seqs.offsets[index] - offsets, lengths) + np.arange(lengths.sum())
        sub = Sequences(seqs.data[rows], lengths, offsets)
        sw = None if self.sample_weight is None else self.sample_weight[index]
        strat = None if self.stratify is None else self.stratify[index]
        return self._replace(seqs=sub, Y=self.Y[index], sample_weight=sw, stratify=strat)


class DivergenceError(ValueError):
    """Training produced a non-finite loss or gradient."""


class Trainer(NamedTuple):
    """What a batch step needs besides the batch: parameter views and scratch."""

    flat: np.ndarray
    params: net.Params
    grad_flat: np.ndarray
    grads: net.Params
    reg_mask: np.ndarray
    embedding_grad: Optional[RowGradient] = None  # row-sparse embedding gradient
    workspace: Optional[rec.Workspace] = None  # recurrent buffers reused across batches


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
    )


def batch_loss_grad(est, trainer, problem, index, rng, sparse=False):
    """Loss of the samples ``index`` and its gradient in ``trainer.grad_flat``.

    With ``sparse``, an embedding's gradient goes row-sparse into
    ``trainer.embedding_grad`` instead (mini-batch steps; L-BFGS needs it dense).
    """
    return OBJECTIVES[problem.objective](est, trainer, problem, index, rng, sparse)


def _many_to_one(est, trainer, problem, index, rng, sparse):
    batch = net.make_batch(problem.seqs, index)
    sw = None if problem.sample_weight is None else problem.sample_weight[batch.order]
    return net.loss_grad(
        trainer.params, trainer.grads, problem.spec, batch, problem.Y[batch.order], sw,
        problem.loss, alpha=est.alpha, reg_mask=trainer.reg_mask, flat=trainer.flat,
        grad_flat=trainer.grad_flat, dropout=est.dropout, rng=rng,
        bptt_steps=est.bptt_steps,
        embedding_grad=trainer.embedding_grad if sparse else None,
        workspace=trainer.workspace,
    )


def _aligned(est, trainer, problem, index, rng, sparse):
    batch = net.make_batch(problem.seqs, index)
    sw = None if problem.sample_weight is None else problem.sample_weight[batch.order]
    return s2s.aligned_loss_grad(
        trainer.params, trainer.grads, problem.spec, batch, problem.Y[batch.order], sw,
        problem.loss, alpha=est.alpha, reg_mask=trainer.reg_mask, flat=trainer.flat,
        grad_flat=trainer.grad_flat, dropout=est.dropout, rng=rng,
        bptt_steps=est.bptt_steps,
        embedding_grad=trainer.embedding_grad if sparse else None,
    )


def _encoder_decoder(est, trainer, problem, index, rng, sparse):
    batch = net.make_batch(problem.seqs, index)
    sw = None if problem.sample_weight is None else problem.sample_weight[batch.order]
    targets = problem.Y[batch.order]
    dec_inputs = s2s.scheduled_inputs(
        trainer.params, problem.spec, batch, targets, problem.loss,
        est.teacher_forcing_ratio, rng,
    )
    return s2s.encoder_decoder_loss_grad(
        trainer.params, trainer.grads, problem.spec, batch, targets, sw, problem.loss,
        alpha=est.alpha, reg_mask=trainer.reg_mask, flat=trainer.flat,
        grad_flat=trainer.grad_flat, dropout=est.dropout, rng=rng, dec_inputs=dec_inputs,
        embedding_grad=trainer.embedding_grad if sparse else None,
    )


# the batch objective of each Problem.objective
OBJECTIVES = {
    "many_to_one": _many_to_one,
    "aligned": _aligned,
    "encoder_decoder": _encoder_decoder,
}


def _check_finite(loss, norm, epoch):
    if not (np.isfinite(loss) and np.isfinite(norm)):
        raise DivergenceError(
            f"Training diverged at epoch {epoch}: the loss or its gradient is not finite "
            f"(loss={loss}, gradient norm={norm}). Set clip_norm (e.g. 1.0) or lower "
            "learning_rate_init; the estimator keeps its last finite weights."
        )


# --------------------------------------------------------------------------- stochastic
def _batch_size(est, n_samples):
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={est.batch_size} larger than the {n_samples} samples; "
            "it is clipped to the number of samples."
        )
    return min(est.batch_size, n_samples)


def run_epoch(est, trainer, problem, optimizer, rng):
    """One pass over the data; returns the mean loss and mean pre-clipping norm."""
    n = problem.seqs.n_samples
    order = rng.permutation(n) if est.shuffle else np.arange(n)
    size = _batch_size(est, n)
    total_loss, total_norm, n_batches = 0.0, 0.0, 0
    for start in range(0, n, size):
        index = order[start : start + size]
        if problem.sample_weight is not None and not problem.sample_weight[index].any():
            continue  # a batch of zero weights has no loss to descend
        # overflow can only come from a diverging run, which _check_finite reports
        with np.errstate(over="ignore", invalid="ignore"):
            loss = batch_loss_grad(est, trainer, problem, index, rng, sparse=True)
            norm = clip_by_global_norm(
                trainer.grad_flat, est.clip_norm, trainer.embedding_grad
            )
        _check_finite(loss, norm, est.n_iter_ + 1)
        if trainer.embedding_grad is None:
            optimizer.step(trainer.flat, trainer.grad_flat)
        else:
            optimizer.step(trainer.flat, trainer.grad_flat, trainer.embedding_grad)
        total_loss += loss * len(index)
        total_norm += norm
        n_batches += 1
    return total_loss / n, total_norm / n_batches


def _validation_split(est, problem, rng):
    n = problem.seqs.n_samples
    index = np.arange(n)
    train, val = train_test_split(
        index, random_state=rng, test_size=est.validation_fraction,
        stratify=problem.stratify,
    )
    if len(val) < 2:
        raise ValueError(
            f"The validation set holds {len(val)} sample(s), too few for early stopping; "
            "raise validation_fraction or provide more samples."
        )
    return problem.subset(train), problem.subset(val)


def run_stochastic(est, trainer, problem, rng, incremental, validation_score=None):
    """SGD / Adam over epochs, with early stopping and no-improvement stopping.

    ``validation_score(problem)`` scores the current weights on the held-out samples.
    """
    if not incremental or getattr(est, "_optimizer", None) is None:
        est._optimizer = make_optimizer(
            est.solver, trainer.flat.size, trainer.flat.dtype, est,
            None if trainer.embedding_grad is None else trainer.embedding_grad.shape,
        )
    early_stopping = est.early_stopping and not incremental
    if early_stopping:
        problem, val_problem = _validation_split(est, problem, rng)
        est.validation_scores_ = []
        est.best_validation_score_ = -np.inf
        est.best_loss_ = None
        best_flat = trainer.flat.copy()
    else:
        est.validation_scores_ = None
        est.best_validation_score_ = None
    n_epochs = 1 if incremental else est.max_iter
    start = time.perf_counter()
    try:
        for _ in range(n_epochs):
            loss, norm = run_epoch(est, trainer, problem, est._optimizer, rng)
            est.n_iter_ += 1
            est.t_ += problem.seqs.n_samples
            est.loss_curve_.append(loss)
            est.grad_norm_curve_.append(norm)
            est.loss_ = loss
            score = validation_score(val_problem) if early_stopping else None
            if est.verbose:
                _print_epoch(est, loss, score, norm, time.perf_counter() - start)
            if early_stopping:
                est.validation_scores_.append(score)
                improved = score >= est.best_validation_score_ + est.tol
                if score > est.best_validation_score_:
                    est.best_validation_score_ = score
                    best_flat[...] = trainer.flat
            else:
                improved = loss <= est.best_loss_ - est.tol
                est.best_loss_ = min(est.best_loss_, loss)
            est._no_improvement_count = 0 if improved else est._no_improvement_count + 1
            if incremental:
                continue
            if est._no_improvement_count >= est.n_iter_no_change:
                if est.verbose:
                    what = "validation score" if early_stopping else "training loss"
                    print(
                        f"The {what} did not improve more than tol={est.tol} for "
                        f"{est.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        else:
            if not incremental and est.max_iter > 0:
                warnings.warn(
                    f"Stochastic optimizer: maximum iterations ({est.max_iter}) reached "
                    "and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warnings.warn(
            "Training interrupted by user; the estimator keeps the weights reached so far."
        )
    if early_stopping:
        trainer.flat[...] = best_flat


def _print_epoch(est, loss, score, norm, elapsed):
    parts = [f"Epoch {est.n_iter_}", f"loss={loss:.6f}"]
    if score is not None:
        parts.append(f"validation score={score:.4f}")
    parts += [f"grad norm={norm:.4g}", f"time={elapsed:.2f}s"]
    print(", ".join(parts))


# --------------------------------------------------------------------------- L-BFGS
def run_lbfgs(est, trainer, problem, rng, incremental, validation_score=None):
    """Full-batch L-BFGS-B through ``scipy.optimize.minimize`` (clip_norm not used)."""
    index = np.arange(problem.seqs.n_samples)
    last = {"norm": np.nan}
    start = time.perf_counter()
    # fun() evaluates trial points of the line search; after an interruption or a
    # divergence the estimator keeps the last accepted iterate, whose loss it recorded
    accepted = {"x": trainer.flat.astype(np.float64)}

    def fun(x):
        trainer.flat[...] = x
        with np.errstate(over="ignore", invalid="ignore"):
            loss = batch_loss_grad(est, trainer, problem, index, rng)
            last["norm"] = float(np.sqrt(trainer.grad_flat @ trainer.grad_flat))
        _check_finite(loss, last["norm"], est.n_iter_ + 1)
        return loss, trainer.grad_flat.astype(np.float64)

    def callback(intermediate_result):
        accepted["x"] = intermediate_result.x.copy()
        est.n_iter_ += 1
        est.loss_curve_.append(float(intermediate_result.fun))
        est.grad_norm_curve_.append(last["norm"])
        if est.verbose:
            _print_epoch(
                est, intermediate_result.fun, None, last["norm"], time.perf_counter() - start
            )

    est.validation_scores_ = None
    est.best_validation_score_ = None
    try:
        result = scipy.optimize.minimize(
            fun, accepted["x"], method="L-BFGS-B", jac=True, callback=callback,
            options={"maxiter": est.max_iter, "maxfun": 15000, "gtol": est.tol},
        )
        trainer.flat[...] = result.x
        est.loss_ = float(result.fun)
        if result.status == 1:
            warnings.warn(
                "lbfgs failed to converge after max_iter iterations; increase max_iter "
                "or scale the data.",
                ConvergenceWarning,
            )
    except DivergenceError:
        trainer.flat[...] = accepted["x"]
        raise
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user; the estimator keeps the weights "
                      "reached so far.")
        trainer.flat[...] = accepted["x"]
        est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else np.nan
    est.t_ += problem.seqs.n_samples * max(est.n_iter_, 1)
    est.best_loss_ = min(est.loss_curve_) if est.loss_curve_ else est.loss_


SOLVERS = {"adam": run_stochastic, "sgd": run_stochastic, "lbfgs": run_lbfgs}
