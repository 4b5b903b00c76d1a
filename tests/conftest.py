"""Hypothesis profiles, and the count of fuzzed cases printed at the end of a run.

``python -m pytest tests/test_fuzz.py --hypothesis-profile=long`` runs the long fuzz
campaign (``LONG_EXAMPLES`` examples per fuzz test, over 10,000 cases in all); without
it every fuzz test runs its bounded CI budget.
"""

import sys
import warnings

import pytest
from hypothesis import HealthCheck, settings
from sklearn.exceptions import ConvergenceWarning

LONG_EXAMPLES = 800

settings.register_profile(
    "long",
    max_examples=LONG_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def quiet_convergence():
    """Silence ConvergenceWarning: for test modules whose fits are deliberately short."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def pytest_terminal_summary(terminalreporter):
    fuzz = sys.modules.get("tests.test_fuzz") or sys.modules.get("test_fuzz")
    cases = getattr(fuzz, "FUZZ_CASES", None)
    if not cases:
        return
    terminalreporter.write_sep("-", "fuzzed cases")
    for target in sorted(cases):
        terminalreporter.write_line(f"{target}: {cases[target]}")
    profile = settings.get_current_profile_name()
    terminalreporter.write_line(
        f"fuzzed cases tried: {sum(cases.values())} (hypothesis profile {profile!r})"
    )
