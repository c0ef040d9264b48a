from ..field.conftest import field_day, jpeg  # noqa: F401  (fixtures shared with the field tests)
