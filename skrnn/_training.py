"""The fit loop, layered so each level can be read alone: fit -> epoch -> batch step -> loss.

These functions drive the pure core (``_network``, ``_optim``) with an estimator's
hyperparameters and record the training history on the estimator. ``SOLVERS`` maps each
``solver`` to its loop.
"""

import time
import warnings
from typing import NamedTuple, Optional

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from . import _network as net
from ._input import Sequences
from ._optim import clip_by_global_norm, make_optimizer


class Problem(NamedTuple):
    """A training set ready for the core: targets and weights in sample order."""

    seqs: Sequences
    Y: np.ndarray  # (n_samples, n_outputs) float, in the computation dtype
    sample_weight: Optional[np.ndarray]
    spec: net.NetSpec
    loss: str
    stratify: Optional[np.ndarray]  # labels for a stratified validation split

    def subset(self, index):
        """The same problem restricted to the samples ``index``."""
        seqs = self.seqs
        lengths = seqs.lengths[index]
        offsets = np.zeros(len(index), dtype=np.intp)
        np.cumsum(lengths[:-1], out=offsets[1:])
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


def make_trainer(flat, spec):
    grad_flat = np.empty_like(flat)
    return Trainer(
        flat, net.unpack(flat, spec), grad_flat, net.unpack(grad_flat, spec),
        net.regularised_mask(spec, flat.dtype),
    )


def batch_loss_grad(est, trainer, problem, index, rng):
    """Loss of the samples ``index`` and its gradient in ``trainer.grad_flat``."""
    batch = net.make_batch(problem.seqs, index)
    sw = None if problem.sample_weight is None else problem.sample_weight[batch.order]
    return net.loss_grad(
        trainer.params, trainer.grads, problem.spec, batch, problem.Y[batch.order], sw,
        problem.loss, alpha=est.alpha, reg_mask=trainer.reg_mask, flat=trainer.flat,
        grad_flat=trainer.grad_flat, dropout=est.dropout, rng=rng,
        bptt_steps=est.bptt_steps,
    )


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
        loss = batch_loss_grad(est, trainer, problem, index, rng)
        norm = clip_by_global_norm(trainer.grad_flat, est.clip_norm)
        _check_finite(loss, norm, est.n_iter_ + 1)
        optimizer.step(trainer.flat, trainer.grad_flat)
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
            est.solver, trainer.flat.size, trainer.flat.dtype, est
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

    def fun(x):
        trainer.flat[...] = x
        loss = batch_loss_grad(est, trainer, problem, index, rng)
        last["norm"] = float(np.sqrt(trainer.grad_flat @ trainer.grad_flat))
        _check_finite(loss, last["norm"], est.n_iter_ + 1)
        return loss, trainer.grad_flat.astype(np.float64)

    def callback(intermediate_result):
        est.n_iter_ += 1
        est.loss_curve_.append(float(intermediate_result.fun))
        est.grad_norm_curve_.append(last["norm"])
        if est.verbose:
            _print_epoch(
                est, intermediate_result.fun, None, last["norm"], time.perf_counter() - start
            )

    est.validation_scores_ = None
    est.best_validation_score_ = None
    x0 = trainer.flat.astype(np.float64)
    try:
        result = scipy.optimize.minimize(
            fun, x0, method="L-BFGS-B", jac=True, callback=callback,
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
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user; the estimator keeps the weights "
                      "reached so far.")
        est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else np.nan
    est.t_ += problem.seqs.n_samples * max(est.n_iter_, 1)
    est.best_loss_ = min(est.loss_curve_) if est.loss_curve_ else est.loss_


SOLVERS = {"adam": run_stochastic, "sgd": run_stochastic, "lbfgs": run_lbfgs}
