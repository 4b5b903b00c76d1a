"""Translating spelled-out numbers into digits with an encoder–decoder
===================================================================

"forty-two thousand seven hundred one" -> "42701": the input is a sequence of words, the
output a sequence of digits whose length has nothing to do with the input's (two words
can give five digits, seven words three). A GRU encoder reads the words
(``TextSequencer`` + ``embedding_dim``); a GRU decoder started from its final state
writes the digits one by one and ends with its end-of-sequence symbol
(``SeqToSeqRNN(mode="encoder_decoder")``). Train and test numbers are disjoint, so every
test number is a combination of words the model has not seen together.

Baselines in the same run: one logistic regression per output digit (position counted
from the right, "none" beyond the number's length) on a bag of words, and on a bag of
word uni- and bigrams. The bag of words cannot tell "forty-two thousand one" from "one
thousand forty-two". With bigrams the flat model does solve this fixed-template task
(bigrams such as "two thousand" pin each digit's place), so the point here is that one
generic encoder–decoder, with no features and no per-position heads, reaches the same
exact-match level while emitting outputs of their own lengths.

Reports exact-match accuracy on held-out numbers; writes ``translation.png``.

Run: ``python examples/translation.py`` (about 2 minutes on 2 cores). Full run:
99.8 % exact match on 2,000 unseen numbers, against 5.9 % for the per-digit logistic
regression on a bag of words and 100 % on word 1–2-grams. ``--quick`` (the
documentation build's bounded run) trains on 1,500 numbers for 4 epochs and tests on
500: its figures are not these.
"""

import argparse
import time

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from skrnn import SeqToSeqRNN
from skrnn.preprocessing import TextSequencer

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def below_thousand(n):
    words = []
    if n >= 100:
        words += [ONES[n // 100], "hundred"]
        n %= 100
        if n == 0:
            return words
    if n >= 20:
        words.append(TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else ""))
    else:
        words.append(ONES[n])
    return words


def spell(n):
    """English words of ``0 <= n < 1_000_000``, e.g. 42701 -> 'forty-two thousand
    seven hundred one'."""
    if n < 1000:
        return " ".join(below_thousand(n))
    thousands, rest = divmod(n, 1000)
    words = below_thousand(thousands) + ["thousand"]
    if rest:
        words += below_thousand(rest)
    return " ".join(words)


parser = argparse.ArgumentParser(description="Spelled-out numbers into digits")
parser.add_argument("--quick", action="store_true", help="1,500 numbers, 4 epochs")
QUICK = parser.parse_args().quick
N_TRAIN, N_TEST = (1_500, 500) if QUICK else (6_000, 2_000)

rng = np.random.RandomState(0)
numbers = rng.choice(100_000, size=N_TRAIN + N_TEST, replace=False)
train_numbers, test_numbers = numbers[:N_TRAIN], numbers[N_TRAIN:]
texts = {n: spell(n) for n in numbers}
digits = {n: np.array(list(str(n))) for n in numbers}
print("e.g.", " | ".join(f"{texts[n]} -> {n}" for n in train_numbers[:3]))

words = TextSequencer(analyzer="word").fit([texts[n] for n in train_numbers])
X_train = words.transform([texts[n] for n in train_numbers])
X_test = words.transform([texts[n] for n in test_numbers])
y_train = [digits[n] for n in train_numbers]
y_test = [digits[n] for n in test_numbers]
print(f"{len(words.vocabulary_)} words; {len(X_train)} training pairs, "
      f"{len(X_test)} held-out pairs")

model = SeqToSeqRNN(mode="encoder_decoder", cell_type="gru", embedding_dim=32,
                    hidden_layer_sizes=(64,), batch_size=64, learning_rate_init=0.01,
                    alpha=0.0, max_iter=4 if QUICK else 12, early_stopping=True,
                    n_iter_no_change=3,
                    tol=1e-4, verbose=True, random_state=0)
start = time.perf_counter()
model.fit(X_train, y_train)
print(f"trained in {time.perf_counter() - start:.0f} s")

predicted = model.predict(X_test)
exact = np.array([np.array_equal(p, t) for p, t in zip(predicted, y_test, strict=True)])

def digit_from_right(ns, k):
    """Digit k (0 = units) of each number, or -1 beyond its length."""
    return np.array([n // 10**k % 10 if n >= 10**k or k == 0 else -1 for n in ns])


def per_digit_baseline(ngram_range):
    """Exact matches of one logistic regression per output digit on word n-grams."""
    ngrams = CountVectorizer(token_pattern=r"[a-z]+", ngram_range=ngram_range)
    A_train = ngrams.fit_transform([texts[n] for n in train_numbers])
    A_test = ngrams.transform([texts[n] for n in test_numbers])
    columns = []
    for k in range(5):
        clf = LogisticRegression(C=10.0, max_iter=2000)
        columns.append(clf.fit(A_train, digit_from_right(train_numbers, k)).predict(A_test))
    answers = ["".join(str(d) for d in reversed(col) if d >= 0)
               for col in zip(*columns, strict=True)]
    return np.array(answers) == np.array([str(n) for n in test_numbers])


bag_ok = per_digit_baseline((1, 1))
baseline_ok = per_digit_baseline((1, 2))

print(f"\nExact match on {len(y_test)} held-out numbers:")
print(f"  encoder-decoder GRU              {exact.mean():.3f}")
print(f"  bag of words, LR per digit       {bag_ok.mean():.3f}")
print(f"  word 1-2-grams, LR per digit     {baseline_ok.mean():.3f}")
print(f"  per-digit accuracy (score)       {model.score(X_test, y_test):.3f}")
for n, p in list(zip(test_numbers, predicted, strict=True))[:5]:
    print(f"  {texts[n]!r:55s} -> {''.join(p)}")
wrong = [(n, "".join(p))
         for n, p, ok in zip(test_numbers, predicted, exact, strict=True) if not ok]
print(f"  some errors: {wrong[:5]}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
else:
    lengths = np.array([len(t) for t in y_test])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(model.loss_curve_, label="training loss")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy per output step")
    left.set_yscale("log")
    left.legend()
    sizes = np.unique(lengths)
    for shift, (label, ok) in zip((-0.27, 0.0, 0.27), [
        ("encoder-decoder GRU", exact), ("bag of words, LR per digit", bag_ok),
        ("word 1-2-grams, LR per digit", baseline_ok),
    ], strict=True):
        right.bar(sizes + shift, [ok[lengths == k].mean() for k in sizes], width=0.27,
                  label=label)
    right.set_xlabel("digits in the answer")
    right.set_ylabel("exact match (held out)")
    right.set_ylim(0, 1.3)
    right.set_xticks(sizes)
    right.legend(loc="upper center", ncol=2, fontsize=8)
    fig.suptitle("Spelled-out numbers -> digits")
    fig.tight_layout()
    fig.savefig("translation.png", dpi=100)
    print("wrote translation.png")
