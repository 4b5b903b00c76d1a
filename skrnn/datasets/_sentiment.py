"""A synthetic sentiment task that only a model reading in order can solve."""

from numbers import Integral

from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

SUBJECTS = (
    "the acting", "the plot", "the story", "the film", "the movie", "the cast",
    "the script", "the music", "the dialogue", "the ending", "the pacing", "the humour",
)
VERBS = ("was", "is", "felt", "seemed")
INTENSIFIERS = ("", "", "very ", "really ", "quite ", "truly ")
NEGATORS = ("not", "never", "hardly")
# polarity 1: positive, 0: negative
ADJECTIVES = {
    1: ("good", "great", "funny", "moving", "clever", "brilliant", "charming",
        "gripping", "beautiful", "smart", "fresh", "delightful"),
    0: ("bad", "boring", "dull", "awful", "predictable", "clumsy", "tedious",
        "bland", "weak", "silly", "messy", "lifeless"),
}
# two clauses of opposite sentiment; the label is that of the main clause, whose
# position the connective decides
TEMPLATES = (
    ("{0} but {1}", 1),
    ("{0} , yet {1}", 1),
    ("although {0} , {1}", 1),
    ("{0} even though {1}", 0),
    ("{0} although {1}", 0),
)


def _clause(rng, polarity):
    """Make a clause meaning ``polarity``: a plain or a negated adjective of either sign."""
    negated = rng.rand() < 0.5
    adjectives = ADJECTIVES[polarity ^ negated]
    words = [
        SUBJECTS[rng.randint(len(SUBJECTS))],
        VERBS[rng.randint(len(VERBS))],
    ]
    if negated:
        words.append(NEGATORS[rng.randint(len(NEGATORS))])
    words.append(
        INTENSIFIERS[rng.randint(len(INTENSIFIERS))]
        + adjectives[rng.randint(len(adjectives))]
    )
    return " ".join(words)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_negation_sentiment(n_samples=1000, *, random_state=None):
    """Generate movie-review sentences whose sentiment depends on word order.

    Every sentence joins a positive and a negative clause with a contrast ("but",
    "yet", "although", "even though"); its label is the sentiment of the main clause,
    which the connective and its position decide: "the plot was not clever but the
    music was really good" is positive, "the plot was not clever although the music
    was really good" negative. A clause's sentiment may itself come from a negation
    ("not boring" is positive).

    Which clause carries which sentiment is drawn independently of where it is
    placed, so both labels are equally likely for any multiset of words: a
    bag-of-words model stays at chance, and a model must read in order to succeed.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sentences.
    random_state : int, RandomState instance or None, default=None
        Seed of every draw.

    Returns
    -------
    X : list of str of length n_samples
        The sentences.
    y : ndarray of shape (n_samples,)
        1 for positive, 0 for negative sentiment.

    Examples
    --------
    >>> from skrnn.datasets import make_negation_sentiment
    >>> X, y = make_negation_sentiment(4, random_state=0)
    >>> len(X), y.shape
    (4, (4,))
    """
    rng = check_random_state(random_state)
    X = []
    y = rng.randint(2, size=n_samples)
    for label in y:
        template, main = TEMPLATES[rng.randint(len(TEMPLATES))]
        clauses = [None, None]
        clauses[main] = _clause(rng, int(label))
        clauses[1 - main] = _clause(rng, 1 - int(label))
        X.append(template.format(*clauses))
    return X, y
