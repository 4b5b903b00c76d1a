"""Finding data files that another installed package ships, without importing it."""

import importlib.util
from pathlib import Path


def package_path(package, relative, is_there=Path.is_file):
    """``relative`` inside the installed ``package`` when ``is_there`` holds, else None.

    The package is located by ``importlib.util.find_spec``, so it is never imported and
    its own dependencies need not be installed (``pip install --no-deps``).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / relative
        if is_there(path):
            return path
    return None
