"""Echo state networks: a fixed random reservoir and a readout fitted in closed form.

Pure functions over numpy and scipy; nothing here knows about scikit-learn.

The reservoir is the leaky-integrator update

    h_t = (1 - a) h_{t-1} + a * act(W_in x_t + W h_{t-1} + b),

with ``W`` a sparse random matrix rescaled to a chosen spectral radius. Only the readout is
trained: ridge regression on features of the states, solved from normal equations that
are accumulated chunk by chunk (:class:`Moments`), so a data set that does not fit in
memory streams through and the result equals one fit on everything.

The reservoir runs over the packed, time-major batches of ``_recurrent`` (sequences sorted
by decreasing length, step ``t`` owns the first ``batch_sizes[t]`` sequences), vectorised
over the batch. Because finished sequences are never touched again, the state buffer holds
every sequence's last state once the loop ends.
"""

from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, eigs

from . import _network as net
from ._cells import ACTIVATIONS
from ._losses import LOSSES, OUTPUT_ACTIVATIONS

# redraws allowed when a sparse draw has spectral radius 0 (e.g. a nilpotent pattern)
MAX_DRAWS = 10
# below this many units a dense eigenvalue solver is cheaper than ARPACK (which needs
# k + 1 < n anyway)
ARPACK_MIN_SIZE = 10
# reservoir_density="auto": a fixed number of recurrent inputs per unit, whatever the size
# (Lukosevicius 2012, "A practical guide to applying echo state networks"), so a step costs
# O(units) and large reservoirs stay fast
CONNECTIONS_PER_UNIT = 10


def auto_density(n_units):
    """Density giving each unit about :data:`CONNECTIONS_PER_UNIT` recurrent inputs."""
    return min(1.0, CONNECTIONS_PER_UNIT / n_units)


class ReservoirSpec(NamedTuple):
    """What fixes the shapes of an echo state network: its inputs, units and outputs."""

    input_size: int  # features per step
    n_units: int
    n_outputs: int
    activation: str = "tanh"
    n_tokens: int | None = None  # a reservoir reads features, never token ids


class Reservoir(NamedTuple):
    """The fixed weights of one reservoir (float64, pickle-safe plain arrays)."""

    input_weights: np.ndarray  # (H, D) dense
    weights: sp.csr_matrix  # (H, H) sparse, spectral radius as requested
    bias: np.ndarray  # (H,)

    @property
    def n_units(self):
        return self.weights.shape[0]


# --------------------------------------------------------------------------- building
def _sparse_positions(n_units, n_nonzero, rng):
    """``n_nonzero`` distinct flat positions of an (n_units, n_units) matrix, uniformly."""
    size = n_units * n_units
    if n_nonzero > size // 4:
        return np.sort(rng.permutation(size)[:n_nonzero])
    # sparse case: O(n_nonzero) instead of a permutation of all n_units**2 positions
    chosen = np.empty(0, dtype=np.int64)
    while len(chosen) < n_nonzero:
        extra = rng.randint(0, size, size=n_nonzero - len(chosen), dtype=np.int64)
        chosen = np.unique(np.concatenate([chosen, extra]))
    return chosen


def spectral_radius(W, rng=None):
    """Largest absolute eigenvalue of the square (sparse or dense) matrix ``W``.

    ARPACK (``scipy.sparse.linalg.eigs``) finds it without densifying ``W``. The
    eigenvalues of a random matrix crowd near the edge of a disc, where asking ARPACK
    for the single largest one can converge to a neighbour (0.6% off in our trials);
    asking for the 4 largest with a 40-vector Krylov space finds the true maximum to
    ~1e-13. The start vector is drawn from ``rng`` so the result is reproducible
    (ARPACK's own start vector changes between calls). Small matrices, and the rare
    case where ARPACK does not converge, use a dense eigenvalue solver.
    """
    n = W.shape[0]
    if n >= ARPACK_MIN_SIZE:
        rng = np.random.RandomState(0) if rng is None else rng
        v0 = rng.uniform(-1.0, 1.0, size=n)
        try:
            values = eigs(
                W, k=4, ncv=min(n, 40), which="LM", v0=v0, tol=1e-12,
                return_eigenvectors=False,
            )
            return float(np.abs(values).max())
        except ArpackNoConvergence:
            pass
    dense = W.toarray() if sp.issparse(W) else np.asarray(W)
    return float(np.abs(np.linalg.eigvals(dense)).max())


def make_reservoir(
    n_inputs, n_units, *, spectral_radius_target, density, input_scaling, rng
):
    """Draw a reservoir whose recurrent matrix has the given spectral radius.

    Parameters
    ----------
    n_inputs : int
        Features per time step.
    n_units : int
        Reservoir size ``H``.
    spectral_radius_target : float
        Spectral radius of the returned recurrent matrix.
    density : float in (0, 1]
        Fraction of nonzero recurrent weights (at least one).
    input_scaling : float
        Input weights and bias are uniform in ``[-input_scaling, input_scaling]``.
    rng : numpy.random.RandomState
        Source of every draw.

    Returns
    -------
    Reservoir

    Raises
    ------
    ValueError
        When :data:`MAX_DRAWS` draws all give a spectral radius of 0 (too few nonzeros).
    """
    input_weights = rng.uniform(-input_scaling, input_scaling, size=(n_units, n_inputs))
    bias = rng.uniform(-input_scaling, input_scaling, size=n_units)
    n_nonzero = max(1, int(round(density * n_units * n_units)))
    for _ in range(MAX_DRAWS):
        flat = _sparse_positions(n_units, n_nonzero, rng)
        values = rng.uniform(-1.0, 1.0, size=n_nonzero)
        rows, cols = np.divmod(flat, n_units)
        W = sp.csr_matrix((values, (rows, cols)), shape=(n_units, n_units))
        radius = spectral_radius(W, rng)
        # a radius at rounding level means a nilpotent draw: rescaling would blow it up
        if radius > 1e-8 * np.sqrt(n_nonzero / n_units):
            W.data *= spectral_radius_target / radius
            return Reservoir(input_weights, W, bias)
    raise ValueError(
        f"{MAX_DRAWS} random reservoirs of {n_units} units with reservoir_density="
        f"{density} all had spectral radius 0 ({n_nonzero} nonzero weights give "
        "nilpotent matrices); raise reservoir_density or hidden_layer_sizes."
    )


# --------------------------------------------------------------------------- running
class ReservoirRun(NamedTuple):
    """What one pass over a packed batch collects (sorted sequence order)."""

    last: np.ndarray  # (B, H) state after each sequence's last real step
    mean: np.ndarray  # (B, H) mean state over the steps after the washout
    states: np.ndarray  # (N, H) every state in packed row order, or None


def run_reservoir(
    reservoir, X, plan, *, leak_rate, activation="tanh", washout=0, keep_states=False,
    h0=None,
):
    """Run the leaky reservoir over a packed batch.

    Parameters
    ----------
    reservoir : Reservoir
    X : ndarray of shape (N, D)
        Packed inputs, rows as in ``plan`` (see ``_recurrent``).
    plan : _recurrent.Plan
    leak_rate : float in (0, 1]
        ``a`` in the update; 1 is the plain (non-leaky) echo state network.
    activation : {"tanh", "relu"}
    washout : int
        Steps at the start of every sequence left out of the mean. A sequence with
        ``washout`` steps or fewer has its last state as its mean.
    keep_states : bool
        Also return every state (N, H), for outputs aligned with the inputs.
    h0 : ndarray of shape (B, H), optional
        Initial states (zeros by default).

    Returns
    -------
    ReservoirRun
    """
    act = ACTIVATIONS[activation]
    W_in, W = reservoir.input_weights, reservoir.weights
    bias = reservoir.bias[:, None]
    n_seqs, H = len(plan.lengths), reservoir.n_units
    X = np.asarray(X, dtype=np.float64)
    # unit-major state (H, B): the sparse product W @ S then reads a C-contiguous block
    # (5x faster than S @ W.T here), and W_in @ x^T avoids BLAS's slow skinny-K path
    S = np.zeros((H, n_seqs)) if h0 is None else np.array(np.asarray(h0).T, dtype=float)
    total = np.zeros((H, n_seqs))
    states = np.empty((plan.n_rows, H)) if keep_states else None
    keep = 1.0 - leak_rate
    steps = zip(plan.a_rows, plan.batch_sizes.tolist(), strict=True)
    for t, (rows, n_t) in enumerate(steps):
        running = S if n_t == n_seqs else S[:, :n_t]
        pre = W_in @ X[rows].T
        pre += bias
        pre += W @ running
        act(pre, pre)
        if keep:
            running *= keep
            pre *= leak_rate
            running += pre
        else:
            running[...] = pre
        if t >= washout:
            total[:, :n_t] += running
        if keep_states:
            states[rows] = running.T
    last = S.T
    counts = plan.lengths - washout
    short = counts <= 0
    mean = total.T / np.maximum(counts, 1)[:, None]
    mean[short] = last[short]
    return ReservoirRun(np.ascontiguousarray(last), mean, states)


def sequence_features(run):
    """Many-to-one features: last state and mean state side by side, (B, 2H).

    The last state carries the end of the sequence (and, through the fading memory of
    the reservoir, the steps before it); the mean summarises the whole sequence, which
    the last state of a contracting reservoir has mostly forgotten.
    """
    return np.hstack([run.last, run.mean])


class ReservoirConfig(NamedTuple):
    """The hyperparameters that the features depend on, besides the reservoir's draws."""

    leak_rate: float
    activation: str
    washout: int


def _batches(seqs, batch_size):
    """Packed batches of ``seqs`` (``_input.Sequences``), sorted by length first."""
    by_length = np.argsort(-seqs.lengths, kind="stable")
    for start in range(0, seqs.n_samples, batch_size):
        yield net.make_batch(seqs, by_length[start : start + batch_size])


def batch_features(reservoir, config, batch):
    """Many-to-one features (B, 2H) of one packed batch, in its sorted order."""
    run = run_reservoir(
        reservoir, batch.X, batch.plan, leak_rate=config.leak_rate,
        activation=config.activation, washout=config.washout,
    )
    return sequence_features(run)


def _chunks(seqs, batch_size, on_chunk):
    """Packed batches of ``seqs`` as :func:`_batches`, calling ``on_chunk`` (a pair of
    callables of the chunk's number of sequences, or None) before and after each.
    """
    begin, end = (None, None) if on_chunk is None else on_chunk
    for batch in _batches(seqs, batch_size):
        if begin is not None:
            begin(len(batch.order))
        yield batch
        if end is not None:
            end(len(batch.order))


def accumulate(
    moments, reservoir, config, seqs, Y, sample_weight=None, batch_size=256, on_chunk=None
):
    """``moments`` updated with the features of ``seqs`` and their targets ``Y``.

    Runs the reservoir over ``batch_size`` sequences at a time, so memory stays bounded
    by one batch whatever the size of ``seqs``. ``on_chunk``: ``(begin, end)``, two
    callables of a chunk's number of sequences called around its accumulation (or None).
    """
    Y = np.asarray(Y)
    for batch in _chunks(seqs, batch_size, on_chunk):
        w = None if sample_weight is None else sample_weight[batch.order]
        F = batch_features(reservoir, config, batch)
        moments = update_moments(moments, F, Y[batch.order], w)
    return moments


def readout_output(reservoir, config, coef, intercept, loss, seqs, batch_size=256):
    """Activated readout outputs (n_samples, n_outputs) of ``seqs``, in sample order."""
    activate = OUTPUT_ACTIVATIONS[LOSSES[loss][1]]
    out = np.empty((seqs.n_samples, coef.shape[1]))
    for batch in _batches(seqs, batch_size):
        Z = batch_features(reservoir, config, batch) @ coef
        Z += intercept
        out[batch.order] = activate(Z)
    return out


def _target_rows(plan, target_lengths, washout):
    """Packed rows of the last ``K_j`` steps of each sorted sequence ``j`` (target order:
    sequence by sequence, step by step), and which of them are past the washout.
    """
    K = np.asarray(target_lengths, dtype=np.intp)
    owner = np.repeat(np.arange(len(K), dtype=np.intp), K)
    starts = np.cumsum(K) - K
    steps = (plan.lengths - K)[owner] + np.arange(K.sum(), dtype=np.intp) - starts[owner]
    return plan.offsets[steps] + owner, steps >= washout


def accumulate_aligned(
    moments, reservoir, config, seqs, targets, sample_weight=None, batch_size=256,
    on_chunk=None,
):
    """``moments`` updated with every target step's state (outputs aligned with inputs).

    ``targets`` is a ragged block per sequence (``data``, ``lengths`` and integer
    indexing, as ``_seq2seq.TargetSequences``), aligned with the *last* ``len(y_i)``
    steps of sequence ``i``; each step weighs its sequence's weight. Steps before
    ``config.washout`` are left out of the fit. ``on_chunk`` as in :func:`accumulate`.
    """
    for batch in _chunks(seqs, batch_size, on_chunk):
        run = run_reservoir(
            reservoir, batch.X, batch.plan, leak_rate=config.leak_rate,
            activation=config.activation, keep_states=True,
        )
        block = targets[batch.order]
        rows, kept = _target_rows(batch.plan, block.lengths, config.washout)
        w = None
        if sample_weight is not None:
            w = np.repeat(sample_weight[batch.order], block.lengths)[kept]
        moments = update_moments(moments, run.states[rows[kept]], block.data[kept], w)
    return moments


def aligned_readout_output(reservoir, config, coef, intercept, loss, seqs, batch_size=256):
    """Activated outputs of every step: a list of (T_i, n_outputs) in sample order."""
    activate = OUTPUT_ACTIVATIONS[LOSSES[loss][1]]
    out = [None] * seqs.n_samples
    for batch in _batches(seqs, batch_size):
        run = run_reservoir(
            reservoir, batch.X, batch.plan, leak_rate=config.leak_rate,
            activation=config.activation, keep_states=True,
        )
        rows, _ = _target_rows(batch.plan, batch.plan.lengths, 0)
        Z = run.states[rows] @ coef
        Z += intercept
        blocks = np.split(activate(Z), np.cumsum(batch.plan.lengths)[:-1])
        for i, block in zip(batch.order, blocks, strict=True):
            out[i] = block
    return out


class Objective(NamedTuple):
    """How an output layout reads the reservoir: features per unit, fit and predict."""

    features_per_unit: int
    accumulate: callable
    output: callable


# keyed like ``_training.OBJECTIVES``; an encoder–decoder has no closed-form readout
OBJECTIVES = {
    "many_to_one": Objective(2, accumulate, readout_output),
    "aligned": Objective(1, accumulate_aligned, aligned_readout_output),
}


def fit_readout(moments, alpha, loss):
    """``(coef, intercept)`` of the readout that ``loss``'s output activation needs."""
    return READOUTS[LOSSES[loss][1]](moments, alpha)


# ----------------------------------------------------------------------- normal equations
class Moments(NamedTuple):
    """Weighted first and centred second moments of features ``F`` and targets ``Y``.

    Enough to solve ridge regression with an unpenalised intercept, and to merge chunks
    exactly (Chan et al.'s pairwise update), so that chunked accumulation equals one pass
    up to rounding, without the cancellation of raw sums of squares.
    """

    weight_sum: float
    feature_mean: np.ndarray  # (F,)
    target_mean: np.ndarray  # (K,)
    scatter_ff: np.ndarray  # (F, F) sum w (f - mean)(f - mean)^T
    scatter_fy: np.ndarray  # (F, K) sum w (f - mean)(y - mean)^T
    scatter_yy: np.ndarray  # (K, K) sum w (y - mean)(y - mean)^T


def empty_moments(n_features, n_targets):
    return Moments(
        0.0, np.zeros(n_features), np.zeros(n_targets),
        np.zeros((n_features, n_features)), np.zeros((n_features, n_targets)),
        np.zeros((n_targets, n_targets)),
    )


def _chunk_moments(F, Y, sample_weight):
    if sample_weight is None:
        total = float(len(F))
        f_mean, y_mean = F.mean(axis=0), Y.mean(axis=0)
        Fc, Yc = F - f_mean, Y - y_mean
        Fw, Yw = Fc, Yc  # the weights are ones: skip a copy as large as F
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        total = float(w.sum())
        f_mean, y_mean = (w @ F) / total, (w @ Y) / total
        Fc, Yc = F - f_mean, Y - y_mean
        Fw, Yw = Fc * w[:, None], Yc * w[:, None]
    return Moments(total, f_mean, y_mean, Fw.T @ Fc, Fw.T @ Yc, Yw.T @ Yc)


def update_moments(moments, F, Y, sample_weight=None):
    """``moments`` with the rows ``F`` (n, F), ``Y`` (n, K) and their weights added."""
    F = np.asarray(F, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if len(F) == 0 or (sample_weight is not None and not np.any(sample_weight)):
        return moments
    new = _chunk_moments(F, Y, sample_weight)
    if moments.weight_sum == 0:
        return new
    total = moments.weight_sum + new.weight_sum
    d_f = new.feature_mean - moments.feature_mean
    d_y = new.target_mean - moments.target_mean
    share = new.weight_sum / total
    cross = moments.weight_sum * share
    return Moments(
        total,
        moments.feature_mean + share * d_f,
        moments.target_mean + share * d_y,
        moments.scatter_ff + new.scatter_ff + cross * np.outer(d_f, d_f),
        moments.scatter_fy + new.scatter_fy + cross * np.outer(d_f, d_y),
        moments.scatter_yy + new.scatter_yy + cross * np.outer(d_y, d_y),
    )


def _check_weight(moments):
    if not moments.weight_sum > 0:
        raise ValueError(
            "The readout has no data to fit: the sample weights sum to 0."
        )


def solve_ridge(moments, alpha):
    """Ridge readout ``(coef (F, K), intercept (K,))`` with an unpenalised intercept.

    Minimises ``sum_i w_i ||y_i - f_i coef - intercept||^2 + alpha ||coef||^2``, the
    objective of ``sklearn.linear_model.Ridge`` with ``sample_weight``. Solved by
    Cholesky on the centred normal equations; singular systems (``alpha=0`` with
    collinear features) fall back to the minimum-norm least-squares solution.
    """
    _check_weight(moments)
    A = moments.scatter_ff.copy()
    A.flat[:: A.shape[0] + 1] += alpha
    try:
        if alpha <= 0:
            raise scipy.linalg.LinAlgError("no ridge: use least squares")
        coef = scipy.linalg.solve(A, moments.scatter_fy, assume_a="pos")
    except scipy.linalg.LinAlgError:
        coef = scipy.linalg.lstsq(A, moments.scatter_fy)[0]
    intercept = moments.target_mean - moments.feature_mean @ coef
    return coef, intercept


def residual_sum_of_squares(moments, coef):
    """Weighted sum of squared residuals of the ridge readout ``coef``, from moments.

    With centred residuals ``r = (y - y_mean) - (f - f_mean) coef`` this is
    ``tr(S_yy) - 2 tr(coef^T S_fy) + tr(coef^T S_ff coef)``: no second pass over the data.
    """
    fitted = np.einsum("fk,fk->", coef, moments.scatter_ff @ coef)
    value = np.trace(moments.scatter_yy) - 2.0 * np.einsum(
        "fk,fk->", coef, moments.scatter_fy
    ) + fitted
    return max(float(value), 0.0)


def solve_probabilistic(moments, alpha):
    """Classifier readout: ridge on class indicators, scores turned into probabilities.

    A least-squares fit to class indicators estimates the class probabilities
    themselves, but its scores are not confined to the simplex. Modelling the score
    vector of a sequence of class ``k`` as the indicator ``e_k`` plus isotropic Gaussian
    noise of the fit's residual variance ``s2`` gives the posterior
    ``softmax(scores / s2)``: a real distribution whose most probable class is the
    highest ridge score (the rule of ``sklearn.linear_model.RidgeClassifier``, so class
    and sample weights act through the ridge fit alone), and whose sharpness follows how
    well the readout fits. ``s2`` comes from :class:`Moments`, so the probabilities
    stream with the normal equations. ``s2`` is measured on the training data, so an
    over-fitted readout (``alpha`` too small for the number of sequences) is
    over-confident.

    ``Y`` is one indicator column per class, or for two classes the indicator of the
    second class alone.

    Returns
    -------
    coef : ndarray of shape (F, n_logits)
    intercept : ndarray of shape (n_logits,)
        Logits of every class (``n_logits = K``, for a softmax), or for two classes the
        one log-odds of the second class (for a logistic).
    """
    coef, intercept = solve_ridge(moments, alpha)
    n_columns = coef.shape[1]
    n_classes = 2 if n_columns == 1 else n_columns
    # for two classes the first class's score is 1 - s: the full residual norm is 2 r^2
    squared = residual_sum_of_squares(moments, coef) * (n_classes / n_columns)
    variance = max(squared / (moments.weight_sum * n_classes), np.finfo(float).eps)
    if n_columns == 1:  # log-odds (s - (1 - s)) / s2
        return 2.0 * coef / variance, (2.0 * intercept - 1.0) / variance
    return coef / variance, intercept / variance


# the readout of each output activation of ``_losses``: regression outputs are the ridge
# scores themselves; class probabilities are the scores through a softmax
READOUTS = {
    "identity": solve_ridge,
    "logistic": solve_probabilistic,
    "softmax": solve_probabilistic,
}
