"""Collection rules for the whole tree: the doctests of optional-extra modules run only
where their extra is installed.
"""

from importlib.util import find_spec

# skrnn/aeon.py imports aeon at its top (its classes subclass aeon's); CI runs its
# doctests in the environments of .ci/aeon
collect_ignore = [] if find_spec("aeon") else ["skrnn/aeon.py"]
