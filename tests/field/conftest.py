"""The field tests use the top-level conftest's field_day and jpeg."""
