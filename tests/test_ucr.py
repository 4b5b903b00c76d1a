"""load_ucr: the .ts parser on hand-written files, and the data sets sktime ships."""

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skrnn.datasets import _ucr, load_ucr


def _write(folder, name, split, text):
    path = folder / name / f"{name}_{split.upper()}.ts"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


UNIVARIATE = """
    # a comment
    % another
    @problemName Tiny
    @univariate true
    @equalLength true
    @classLabel true up down

    @data
    1.0,2.0,3.5:up
    4,?,6:down
"""


# ------------------------------------------------------------------ the .ts format
def test_univariate_equal_length_with_a_missing_value(tmp_path):
    _write(tmp_path, "Tiny", "train", UNIVARIATE)
    X, y = load_ucr("Tiny", split="train", data_dir=tmp_path)
    assert X.dtype == np.float64 and X.shape == (2, 3, 1)
    assert_array_equal(X[..., 0], [[1, 2, 3.5], [4, np.nan, 6]])
    assert y.tolist() == ["up", "down"] and y.dtype.kind == "U"


def test_multivariate_unequal_length_is_a_list_of_time_by_channel_arrays(tmp_path):
    _write(tmp_path, "Multi", "test", """
        @problemName Multi
        @univariate false
        @dimensions 2
        @equalLength false
        @classLabel true a b
        @data
        1,2,3:10,20,30:a
        5,6:50,60:b
    """)
    X, y = load_ucr("Multi", split="test", data_dir=tmp_path)
    assert isinstance(X, list) and len(X) == 2
    assert_array_equal(X[0], [[1, 10], [2, 20], [3, 30]])
    assert_array_equal(X[1], [[5, 50], [6, 60]])
    assert y.tolist() == ["a", "b"]


def test_declared_unequal_length_gives_a_list_even_when_lengths_agree(tmp_path):
    text = UNIVARIATE.replace("@equalLength true", "@equalLength false")
    _write(tmp_path, "Tiny", "train", text)
    X, _ = load_ucr("Tiny", split="train", data_dir=tmp_path)
    assert isinstance(X, list) and [x.shape for x in X] == [(3, 1), (3, 1)]


def test_regression_targets_are_floats_and_headers_are_case_insensitive(tmp_path):
    _write(tmp_path, "Reg", "train", """
        @problemname reg
        @EQUALLENGTH true
        @targetlabel true
        @data
        1,2:0.5
        3,4:-2e3
    """)
    X, y = load_ucr("reg", split="train", data_dir=tmp_path)  # the name too
    assert X.shape == (2, 2, 1) and y.dtype == np.float64
    assert_array_equal(y, [0.5, -2000.0])


def test_unlabelled_files_give_y_none(tmp_path):
    _write(tmp_path, "NoY", "train", "@classLabel false\n@data\n1,2:3,4\n")
    X, y = load_ucr("NoY", split="train", data_dir=tmp_path)
    assert y is None and X.shape == (1, 2, 2)


def test_both_splits_and_the_bunch(tmp_path):
    _write(tmp_path, "Tiny", "train", UNIVARIATE)
    _write(tmp_path, "Tiny", "test", UNIVARIATE.replace("4,?,6:down", "7,8,9:up"))
    X, y = load_ucr("Tiny", data_dir=tmp_path)
    assert X.shape == (4, 3, 1) and y.tolist() == ["up", "down", "up", "up"]
    data = load_ucr("Tiny", return_X_y=False, data_dir=tmp_path)
    assert data.split.tolist() == ["train", "train", "test", "test"]
    assert data.target_names.tolist() == ["up", "down"]  # in the declared order
    assert data.name == "Tiny" and "a comment" in data.DESCR and "another" in data.DESCR
    assert_array_equal(data.data, X)


def test_flat_folder_layout(tmp_path):
    (tmp_path / "Flat_TRAIN.ts").write_text("@classLabel true 1\n@data\n1,2:1\n")
    X, y = load_ucr("Flat", split="train", data_dir=tmp_path)
    assert X.shape == (1, 2, 1) and y.tolist() == ["1"]


@pytest.mark.parametrize("data_line, message", [
    ("1,x,3:up", r"Bad_TRAIN\.ts line 4: 'x' is not a number"),
    ("1,2:3:up", "channels have different lengths"),
    ("1,2,3:left", r"line 4: the label 'left' is not among those @classLabel declares"),
    ("(0,1.0),(1,2.0):up", "time-stamped values"),
    ("1,2,3:4,5,6:up", r"line 4: a case of 2 channel\(s\), but Bad_TRAIN\.ts line 3 has"),
])
def test_format_errors_name_the_file_and_line(tmp_path, data_line, message):
    text = f"@classLabel true up down\n@data\n1,2,3:up\n{data_line}\n"
    _write(tmp_path, "Bad", "train", text)
    with pytest.raises(ValueError, match=message):
        load_ucr("Bad", split="train", data_dir=tmp_path)


def test_header_errors(tmp_path):
    _write(tmp_path, "Bad", "train", "@classLabel true a\n1,2:a\n")
    with pytest.raises(ValueError, match="line 2: '1,2:a' comes before @data"):
        load_ucr("Bad", split="train", data_dir=tmp_path)
    _write(tmp_path, "Bad", "train", "@targetLabel true\n@data\n1,2:heavy\n")
    with pytest.raises(ValueError, match="line 3: the target 'heavy' is not a number"):
        load_ucr("Bad", split="train", data_dir=tmp_path)
    _write(tmp_path, "Bad", "train", "@dimensions 2\n@classLabel false\n@data\n1,2\n")
    with pytest.raises(ValueError, match=r"1 channel\(s\), but @dimensions declares 2"):
        load_ucr("Bad", split="train", data_dir=tmp_path)
    _write(tmp_path, "Bad", "train", "@classLabel false\n@data\n\n")
    with pytest.raises(ValueError, match="no cases after @data"):
        load_ucr("Bad", split="train", data_dir=tmp_path)


def test_lookup_errors_say_what_is_there_and_what_to_do(tmp_path, monkeypatch):
    _write(tmp_path, "Tiny", "train", UNIVARIATE)
    with pytest.raises(FileNotFoundError, match=r"No UCR/UEA data set 'Nope'.*: Tiny\. "):
        load_ucr("Nope", data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no Tiny_TEST\.ts file; pass split="):
        load_ucr("Tiny", data_dir=tmp_path)
    with pytest.raises(ValueError, match="split must be 'train', 'test' or None"):
        load_ucr("Tiny", split="validation", data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_ucr("Tiny", data_dir=tmp_path / "absent")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(FileNotFoundError, match="sktime, which is not installed.*"
                                                "pip install --no-deps sktime"):
        load_ucr("ItalyPowerDemand")


# --------------------------------------------------------- the data sets sktime ships
needs_sktime_files = pytest.mark.skipif(
    _ucr._sktime_data_dir() is None,
    reason="the .ts files come with sktime: pip install --no-deps sktime",
)

# name: (train shape or (n, "ragged", n_channels), test n, y kind)
SHIPPED = {
    "ItalyPowerDemand": ((67, 24, 1), 1029, "U"),
    "ArrowHead": ((36, 251, 1), 175, "U"),
    "BasicMotions": ((40, 100, 6), 40, "U"),
    "OSULeaf": ((200, 427, 1), 242, "U"),
    "PLAID": ((537, "ragged", 1), 537, "U"),
    "ACSF1": ((100, 1460, 1), 100, "U"),
    "Tecator": ((172, 100, 1), 43, "f"),
    "Covid3Month": ((140, 84, 1), 61, "f"),
    "JapaneseVowels": ((270, "ragged", 12), 370, "U"),
}


@needs_sktime_files
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_data_sets_load(name):
    (n_train, length, n_channels), n_test, kind = SHIPPED[name]
    X, y = load_ucr(name, split="train")
    if length == "ragged":
        assert isinstance(X, list) and len(X) == n_train
        assert len({len(x) for x in X}) > 1
        assert all(x.ndim == 2 and x.shape[1] == n_channels for x in X)
        assert all(x.dtype == np.float64 and np.isfinite(x).all() for x in X)
    else:
        assert X.shape == (n_train, length, n_channels) and X.dtype == np.float64
        assert np.isfinite(X).all()
    assert y.shape == (n_train,) and y.dtype.kind == kind
    X_test, y_test = load_ucr(name, split="test")
    assert len(X_test) == len(y_test) == n_test
    X_all, y_all = load_ucr(name)
    assert len(X_all) == n_train + n_test
    assert_array_equal(y_all, np.concatenate([y, y_test]))


@needs_sktime_files
def test_the_shipped_folder_lists_at_least_the_issue_data_sets():
    assert set(SHIPPED) <= set(_ucr._available_names(_ucr._sktime_data_dir()))


@needs_sktime_files
def test_sktime_is_not_imported():
    code = (
        "import sys; from skrnn.datasets import load_ucr; load_ucr('ArrowHead'); "
        "assert 'sktime' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _sktime_reference(name, split):
    datasets = pytest.importorskip("sktime.datasets")
    return datasets.load_UCR_UEA_dataset(
        name, split=split, return_X_y=True, return_type="numpy3D"
    )


@pytest.mark.parametrize("name", ["ItalyPowerDemand", "BasicMotions", "ArrowHead"])
@pytest.mark.parametrize("split", ["train", "test", None])
def test_classification_sets_equal_sktime(name, split):
    X_ref, y_ref = _sktime_reference(name, split)
    X, y = load_ucr(name, split=split)
    assert_array_equal(X, X_ref.transpose(0, 2, 1))  # sktime: channels before time
    # sktime lowercases each line, labels included; skrnn keeps them as written
    assert_array_equal(np.char.lower(y), y_ref)


@pytest.mark.parametrize("name", ["Tecator", "Covid3Month"])
def test_regression_sets_equal_sktime(name):
    X_ref, y_ref = _sktime_reference(name, "train")
    X, y = load_ucr(name, split="train")
    assert_array_equal(X, X_ref.transpose(0, 2, 1))
    assert_allclose(y, y_ref.astype(float), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["PLAID", "JapaneseVowels"])
def test_unequal_length_sets_equal_sktime(name):
    datasets = pytest.importorskip("sktime.datasets")
    frame, y_ref = datasets.load_UCR_UEA_dataset(name, split="test", return_X_y=True)
    X, y = load_ucr(name, split="test")
    assert len(X) == len(frame)
    for i, x in enumerate(X):
        ref = np.column_stack([np.asarray(cell, dtype=float) for cell in frame.iloc[i]])
        assert_array_equal(x, ref)
    assert_array_equal(y, y_ref)
