"""Harnesses beside the product, not part of it: the city-scale benchmark and load test (bench/)
and the soak run (soak/). create_app adds their commands when this package is there; nothing in
propmgmt imports from it otherwise.
"""
from flask import Flask


def register_commands(app: Flask) -> None:
    """`flask bench`, `flask load` and `flask soak`."""
    from .bench.cli import bp as bench_cli
    from .bench.load import bp as load_cli
    from .soak.cli import bp as soak_cli

    for blueprint in (bench_cli, load_cli, soak_cli):
        app.register_blueprint(blueprint)
