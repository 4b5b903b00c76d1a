"""Hypothesis profiles, and the count of fuzzed cases printed at the end of a run.

The default profile, "ci", is derandomized: every run of the suite tries the same
cases, so a red CI always means a change broke something, never that this run's draw
found an old bug. Exploration is the long campaign's job:
``python -m pytest tests/test_fuzz.py --hypothesis-profile=long`` draws fresh random
cases on every run (``LONG_EXAMPLES`` per fuzz test, over 30,000 in all); each bug it
finds becomes a deterministic regression test.
"""

import sys
import warnings

import pytest
from hypothesis import HealthCheck, settings
from sklearn.exceptions import ConvergenceWarning

LONG_EXAMPLES = 800

settings.register_profile("ci", derandomize=True)
settings.load_profile("ci")  # ``--hypothesis-profile`` replaces it
settings.register_profile(
    "long",
    derandomize=False,
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
