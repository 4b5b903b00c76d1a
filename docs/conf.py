"""Sphinx configuration of the skrnn documentation.

Build: ``make -C docs html`` (or ``sphinx-build -W -n -b html docs docs/_build/html``
after ``make -C docs mathjax``). ``SKRNN_DOCS_QUICK=1`` runs every gallery example with
``--quick`` (the bounded setting CI uses); without it, every example runs in full.
"""

import sys
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # this checkout's skrnn, whatever is installed
sys.path.insert(0, str(DOCS))  # _gallery_quick

import skrnn  # noqa: E402

project = "skrnn"
author = "the skrnn developers"
copyright = "the skrnn developers"  # noqa: A001 (Sphinx's name)
version = release = skrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
default_role = "literal"
nitpicky = True
# The build is offline (no intersphinx inventories), so names of other libraries that
# docstrings mention (numpy, scipy, scikit-learn, Python's builtins) stay unlinked.
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|numpy|np|scipy|pandas|joblib|dask|skops|torch)(\..*)?"),
]

# -- API reference: autosummary pages, numpydoc docstrings, validated ----------------
autosummary_generate = True
autodoc_default_options = {"members": False}
# skrnn.aeon subclasses aeon's base classes; aeon pins numpy < 2.4 and is not installed
# where the site is built (.ci/aeon tests the adapter in environments of its own)
autodoc_mock_imports = ["aeon"]
numpydoc_show_class_members = False  # the class template lists skrnn's own methods
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
# Every check of numpydoc.validate runs on every documented object, except:
#   SA01, EX01: a See Also and an Examples section on every method would repeat the
#               class's (each class and function has its own Examples);
#   ES01:       one-line summaries of simple methods need no extended summary;
#   RT02:       numpydoc's own format names returned values (``self : RNNClassifier``),
#               which RT02 flags.
numpydoc_validation_checks = {"all", "SA01", "EX01", "ES01", "RT02"}
# scikit-learn's own methods that the estimators inherit are not documented here
numpydoc_validation_exclude = {
    r"\.get_params$", r"\.set_params$", r"\.set_output$", r"\.get_metadata_routing$",
    r"\.set_\w+_request$",
    # a tuple constant has no docstring of its own: its ``#:`` comment documents it
    r"^skrnn\.persistence\.SKOPS_TRUSTED_TYPES$",
}

# -- HTML: the PyData theme, with everything served locally -------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {release}"
html_static_path = ["_static"]
html_css_files = ["skrnn.css"]
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
# MathJax is served from _static (copied there by ``make -C docs mathjax`` from the npm
# package), never from a CDN: the pages render equations without a network. The SVG
# output carries its glyphs inside the script, so no font files are fetched either.
mathjax_path = "mathjax/tex-svg.js"
if not (DOCS / "_static" / mathjax_path).is_file():
    raise RuntimeError(
        f"docs/_static/{mathjax_path} is missing: run `make -C docs mathjax` first "
        "(it copies MathJax from the npm package `mathjax@3`)."
    )


# -- Gallery: every script of examples/ ----------------------------------------------
# The examples run in this process. Their --quick runs stop at a small max_iter on
# purpose: scikit-learn's ConvergenceWarning would only clutter their printed output.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"\.py$",  # run every example, not only plot_*.py
    "ignore_pattern": r"(__init__|/_[^/]*)\.py$",
    "reset_argv": "_gallery_quick.reset_argv",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    # the computation-times pages load DataTables from a CDN: the site stays offline
    "write_computation_times": False,
    "matplotlib_animations": False,
    "show_signature": False,
    "doc_module": ("skrnn",),
    "backreferences_dir": "gen_modules/backreferences",
}
