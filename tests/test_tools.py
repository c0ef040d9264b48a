"""The harnesses in tools/ (bench, load, soak) are beside the product: create_app adds their commands
when the folder is there, works without it, and nothing else in propmgmt imports from it."""
import ast
import sys
from pathlib import Path

from config import TestingConfig
from propmgmt import create_app

ROOT = Path(__file__).resolve().parent.parent
HARNESS_COMMANDS = {"bench", "load", "soak"}


def test_the_harness_commands_are_there_with_tools():
    assert HARNESS_COMMANDS <= set(create_app(TestingConfig).cli.commands)


def test_without_tools_the_app_has_the_products_commands_only(monkeypatch):
    monkeypatch.setitem(sys.modules, "tools", None)  # `import tools` fails as if the folder were left out
    commands = set(create_app(TestingConfig).cli.commands)
    assert not HARNESS_COMMANDS & commands
    assert {"backup", "restore", "scheduler", "seed-demo"} <= commands


def test_the_product_imports_nothing_from_tools():
    importers = set()
    for path in sorted((ROOT / "propmgmt").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(name == "tools" or name.startswith("tools.") for name in names):
                importers.add(str(path.relative_to(ROOT)))
    assert importers == {"propmgmt/__init__.py"}, "only create_app's register_commands may import tools"
