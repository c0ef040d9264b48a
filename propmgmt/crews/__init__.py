"""Crews and their operators, and the compounds each crew serves: formed and changed by dispatchers."""
