"""Service assessment (考核): the versioned score sheet, spot checks, rectifications, monthly scores."""
