"""The command line of every gallery example: ``--quick`` when SKRNN_DOCS_QUICK=1."""

import os


def reset_argv(gallery_conf, script_vars):
    """Return the arguments sphinx-gallery runs an example with."""
    return ["--quick"] if os.environ.get("SKRNN_DOCS_QUICK", "0") == "1" else []
