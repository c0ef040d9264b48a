"""The layout's rule: domain packages import one way. No cycle between them, not even through an
import inside a function; the views (each domain's blueprint, views.py) are the web layer on top,
which may compose a page from several domains' read models, and no other module imports a view."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "propmgmt"


def _imported_domains(path: Path) -> set[str]:
    """The propmgmt sub-packages a module imports, relative or absolute, at any depth of the module."""
    own = path.relative_to(PACKAGE).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:  # from ..x import y, from . import y
                base = list(own[:-1])[: len(own) - node.level]
                target = base + (node.module.split(".") if node.module else [])
                names = [target + [alias.name] for alias in node.names] if not node.module else [target]
            elif node.module and node.module.startswith("propmgmt."):
                names = [node.module.split(".")[1:]]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".")[1:] for alias in node.names if alias.name.startswith("propmgmt.")]
        for parts in names:
            if parts and (PACKAGE / parts[0]).is_dir():
                found.add(parts[0])
    return found


def _imports_a_view(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        module = getattr(node, "module", None) or ""
        is_import = isinstance(node, (ast.Import, ast.ImportFrom))
        names = [alias.name for alias in node.names] if is_import else []
        if module.endswith("views") or any(name.endswith(".views") or name == "views" for name in names):
            return True
    return False


def domain_graph() -> dict[str, set[str]]:
    """domain -> the domains its modules import (views left out: they are the layer on top)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:  # top-level modules (clock, database, errors, ...) are shared by all
            continue
        if parts[-1] == "views.py":
            continue
        domain = parts[0]
        graph.setdefault(domain, set()).update(_imported_domains(path) - {domain})
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one domain (Tarjan)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                result.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_domain_packages_import_one_way():
    found = cycles(domain_graph())
    assert not found, "domain packages that import each other: " + "; ".join(" <-> ".join(c) for c in found)


def test_only_the_app_factory_imports_views():
    importers = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                 if path.name != "views.py" and path.relative_to(PACKAGE).parts != ("__init__.py",)
                 and _imports_a_view(path)]
    assert importers == []
