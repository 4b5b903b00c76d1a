"""Without aeon, importing skrnn.aeon fails with a message naming the extra; skrnn itself
never imports aeon. Runs with or without aeon installed (its absence is simulated)."""

import importlib
import subprocess
import sys

import pytest

AEON_MODULES = ("aeon", "aeon.classification.base", "aeon.regression.base")


def test_missing_aeon_names_the_extra(monkeypatch):
    for name in AEON_MODULES:  # None in sys.modules: "import" of it fails
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "skrnn.aeon", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'skrnn\[aeon\]'") as info:
        importlib.import_module("skrnn.aeon")
    assert isinstance(info.value.__cause__, ImportError)


def test_import_skrnn_does_not_import_aeon():
    code = "import sys, skrnn, skrnn.preprocessing; print('aeon' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
