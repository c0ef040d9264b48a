"""Hypothesis runs the same examples on every run here (derandomized, no example database), so CI is stable."""
import pytest
from hypothesis import HealthCheck, settings

# Examples share the test's rolled-back transaction, which is what function-scoped fixtures give them.
settings.register_profile("hostile", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.load_profile("hostile")


def pytest_collection_modifyitems(items):
    """The hostile runs take most of a minute: `make test-fast` leaves them out, CI runs them."""
    for item in items:
        if "tests/hostile/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.slow)
