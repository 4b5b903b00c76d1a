"""Text to sequences of token ids, with scikit-learn's own text analysis."""

from collections import Counter
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._embedding import N_RESERVED, PADDING_ID, UNKNOWN_ID
from .._input import check_token_array, check_token_list, is_sequence_list

PADDING_TOKEN = "<pad>"
UNKNOWN_TOKEN = "<unk>"

# keep the first (truncate="end") or the last (truncate="start") max_length ids
_TRUNCATE = {
    "end": lambda ids, n: ids[:n],
    "start": lambda ids, n: ids[-n:],
}


def check_documents(raw_documents, text_only=True):
    """Iterate over the documents, refusing what is not a collection of texts.

    A callable ``analyzer`` may read any object, so ``text_only`` is then False.
    """
    if isinstance(raw_documents, (str, bytes)):
        raise ValueError(
            "Iterable over raw text documents expected, string object received: wrap a "
            "single document in a list."
        )
    try:
        documents = iter(raw_documents)
    except TypeError:
        raise TypeError(
            "raw_documents must be an iterable of str (one string per document), got "
            f"{type(raw_documents).__name__}."
        ) from None
    for i, doc in enumerate(documents):
        if text_only and not isinstance(doc, (str, bytes)):
            raise TypeError(
                f"raw_documents[{i}] is a {type(doc).__name__}, not a str: TextSequencer "
                "reads text documents."
            )
        yield doc


class TextSequencer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    r"""Turn documents into sequences of integer token ids, in text order.

    The recurrent estimators read token ids when ``embedding_dim`` is set, so
    ``make_pipeline(TextSequencer(), RNNClassifier(embedding_dim=32))`` learns from raw
    strings. Documents are analysed by scikit-learn's
    :class:`~sklearn.feature_extraction.text.CountVectorizer` machinery (decoding,
    lowercasing, accent stripping, ``token_pattern`` or a custom tokenizer, stop
    words); unlike a bag of words, the tokens keep their order.

    Id 0 is reserved for padding and id 1 for tokens outside the vocabulary; the
    vocabulary learnt by :meth:`fit` takes ids 2, 3, ... from the most to the least
    frequent token (ties in token order).

    Parameters
    ----------
    analyzer : {"word", "char"} or callable, default="word"
        Sequences of words or of characters. A callable maps a (decoded) document to
        its tokens and replaces the preprocessing and tokenisation steps.
    lowercase : bool, default=True
        Lowercase the text before tokenising.
    strip_accents : {"ascii", "unicode"}, callable or None, default=None
        Remove accents during preprocessing, as in ``CountVectorizer``.
    preprocessor : callable, default=None
        Override the preprocessing (string transformation) stage.
    tokenizer : callable, default=None
        Override the tokenisation of ``analyzer="word"``.
    token_pattern : str or None, default=r"(?u)\b\w+\b"
        Regular expression of a word token for ``analyzer="word"``. Unlike
        ``CountVectorizer``'s default it keeps one-character words ("a", "i", the "t"
        of "don't"): in a sequence model they carry grammar.
    stop_words : {"english"}, list or None, default=None
        Words left out of the sequences. Beware that the English list holds words
        such as "not" and "but" that change the meaning of a sentence.
    max_tokens : int or None, default=None
        Keep only this many distinct tokens, the most frequent; the others read as the
        unknown id. The ids then run from 0 to ``max_tokens + 1``.
    min_frequency : int, default=1
        Tokens seen fewer times than this in the training documents read as unknown.
    max_length : int or None, default=None
        Truncate longer sequences to this many tokens.
    truncate : {"end", "start"}, default="end"
        Which end of a too-long sequence is cut off: "end" keeps the first
        ``max_length`` tokens, "start" the last.

    Attributes
    ----------
    vocabulary_ : dict
        Token to id, for the tokens of the vocabulary (ids from 2 on).

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : The same analysis, as counts.
    skrnn.RNNClassifier : Reads the sequences with ``embedding_dim`` set.

    Notes
    -----
    A document without any token becomes the one-token sequence ``[1]`` (unknown):
    the estimators need at least one step per sequence.

    Examples
    --------
    >>> from skrnn.preprocessing import TextSequencer
    >>> seq = TextSequencer().fit(["not good", "good but boring"])
    >>> seq.transform(["good, not boring!", "awful"])
    [array([2, 5, 3]), array([1])]
    >>> seq.inverse_transform([[2, 5, 3, 0]])
    [array(['good', 'not', 'boring'], dtype=object)]
    """

    _parameter_constraints = {
        "analyzer": [StrOptions({"word", "char"}), callable],
        "lowercase": ["boolean"],
        "strip_accents": [StrOptions({"ascii", "unicode"}), None, callable],
        "preprocessor": [callable, None],
        "tokenizer": [callable, None],
        "token_pattern": [str, None],
        "stop_words": [StrOptions({"english"}), list, None],
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "truncate": [StrOptions(set(_TRUNCATE))],
    }

    def __init__(
        self,
        *,
        analyzer="word",
        lowercase=True,
        strip_accents=None,
        preprocessor=None,
        tokenizer=None,
        token_pattern=r"(?u)\b\w+\b",
        stop_words=None,
        max_tokens=None,
        min_frequency=1,
        max_length=None,
        truncate="end",
    ):
        self.analyzer = analyzer
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.max_length = max_length
        self.truncate = truncate

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def build_analyzer(self):
        """Return the callable that turns one document into its list of tokens, in order.

        Returns
        -------
        analyzer : callable
            ``CountVectorizer(...).build_analyzer()`` for unigrams with this
            transformer's settings.
        """
        return CountVectorizer(
            analyzer=self.analyzer,
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            preprocessor=self.preprocessor,
            tokenizer=self.tokenizer,
            token_pattern=self.token_pattern,
            stop_words=self.stop_words,
            ngram_range=(1, 1),
        ).build_analyzer()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the vocabulary of the documents.

        Parameters
        ----------
        raw_documents : iterable of str
            The training documents.
        y : None
            Ignored.

        Returns
        -------
        self : TextSequencer
            The fitted transformer.
        """
        analyze = self.build_analyzer()
        counts = Counter()
        for doc in check_documents(raw_documents, not callable(self.analyzer)):
            counts.update(analyze(doc))
        kept = [(-n, token) for token, n in counts.items() if n >= self.min_frequency]
        kept.sort()
        if self.max_tokens is not None:
            kept = kept[: self.max_tokens]
        self.vocabulary_ = {token: N_RESERVED + i for i, (_, token) in enumerate(kept)}
        return self

    def transform(self, raw_documents):
        """Each document as the ids of its tokens, in text order.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents.

        Returns
        -------
        sequences : list of ndarray of shape (T_i,)
            Integer token ids; tokens outside the vocabulary are 1.
        """
        check_is_fitted(self)
        analyze = self.build_analyzer()
        get = self.vocabulary_.get
        cut = _TRUNCATE[self.truncate]
        out = []
        for doc in check_documents(raw_documents, not callable(self.analyzer)):
            tokens = analyze(doc)
            ids = np.fromiter(
                (get(t, UNKNOWN_ID) for t in tokens), dtype=np.intp, count=len(tokens)
            )
            if ids.size == 0:
                ids = np.array([UNKNOWN_ID], dtype=np.intp)
            if self.max_length is not None:
                ids = cut(ids, self.max_length)
            out.append(ids)
        return out

    def get_feature_names_out(self, input_features=None):
        """Return the token of every id: ``names[i]`` is the token with id ``i``.

        Ids 0 and 1 hold the placeholders "<pad>" and "<unk>".

        Parameters
        ----------
        input_features : None
            Ignored; text has no input features.

        Returns
        -------
        names : ndarray of str objects, of shape (`len(vocabulary_) + 2`,)
            The token of every id.
        """
        check_is_fitted(self)
        names = np.empty(N_RESERVED + len(self.vocabulary_), dtype=object)
        names[PADDING_ID], names[UNKNOWN_ID] = PADDING_TOKEN, UNKNOWN_TOKEN
        for token, i in self.vocabulary_.items():
            names[i] = token
        return names

    def inverse_transform(self, X):
        """Return the tokens of sequences of ids, without padding.

        Parameters
        ----------
        X : list of 1-D int arrays, or 2-D int array padded with 0
            Token ids, as returned by :meth:`transform`. Padding ids (0) are dropped;
            ids outside the vocabulary become "<unk>".

        Returns
        -------
        tokens : list of ndarray of str objects
            The tokens of every sequence.
        """
        names = self.get_feature_names_out()
        name = type(self).__name__
        if is_sequence_list(X):
            seqs = check_token_list(X, "X", name)
        else:
            seqs = check_token_array(X, "X", name)
        ids = np.where(seqs.data < len(names), seqs.data, UNKNOWN_ID)
        tokens = names[ids]
        pad = ids == PADDING_ID
        return [
            tokens[start : start + n][~pad[start : start + n]]
            for start, n in zip(seqs.offsets, seqs.lengths, strict=True)
        ]
