"""Hypothesis runs the same examples on every run here (derandomized, no example database), so CI is stable."""
from hypothesis import HealthCheck, settings

# Examples share the test's rolled-back transaction, which is what function-scoped fixtures give them.
settings.register_profile("hostile", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.load_profile("hostile")
