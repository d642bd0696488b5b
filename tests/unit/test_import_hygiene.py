"""The layout rules, checked by glob so a new or renamed module cannot slip past them.

- Only `kafkatui/ui/` may import Textual (DESIGN: data modules know no UI). Checked twice: by
  reading every module's imports, and by importing every non-UI module in a fresh interpreter
  (this test process may already have Textual loaded) so an indirect import is caught too.
- No import cycle at run time, deferred imports in functions included: a cycle works only by
  import order, and breaks the day someone imports the other module first.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import kafkatui

PACKAGE = Path(kafkatui.__file__).parent
UI = PACKAGE / "ui"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def non_ui_modules() -> list[Path]:
    return [p for p in all_modules() if UI not in p.parents]


def imported_names(tree: ast.AST) -> set[str]:
    """Every name a module imports, anywhere in it except under `if TYPE_CHECKING:` (those never
    run). kafkatui uses absolute imports only; a relative one is flagged so this stays true."""
    names: set[str] = set()
    todo = list(ast.iter_child_nodes(tree))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import of {node.module}"
            names.add(node.module or "")
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        todo.extend(ast.iter_child_nodes(node))
    return names


def test_the_globs_find_the_layout() -> None:
    """A vacuous pass guard: the walks see the feature folders and the UI package."""
    folders = {p.parent.name for p in non_ui_modules()}
    assert {"kafka", "zookeeper", "processes", "tail", "refresh"} <= folders
    assert any(p.name == "app.py" for p in UI.rglob("*.py"))


def test_only_the_ui_package_imports_textual() -> None:
    offenders = []
    for path in non_ui_modules():
        tree = ast.parse(path.read_text())
        names = imported_names(tree)
        if any(n == "textual" or n.startswith("textual.") for n in names):
            offenders.append(module_name(path))
    assert offenders == []


def test_non_ui_modules_do_not_load_textual_when_imported() -> None:
    modules = [module_name(p) for p in non_ui_modules() if p.name != "__main__.py"]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [], "a non-UI module loads Textual"


def test_the_check_would_catch_textual() -> None:
    """Guard against a vacuous pass: importing Textual is visible in sys.modules."""
    code = "import sys, textual; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True"


def module_graph() -> dict[str, set[str]]:
    """Module -> the kafkatui modules it imports when it runs: at module level or in a function
    (a deferred import still closes a circle at run time), not under TYPE_CHECKING."""
    modules = {module_name(p): p for p in all_modules()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        names = imported_names(tree)
        graph[name] = {n for n in names if n in modules and n != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_at_run_time() -> None:
    graph = module_graph()
    assert len(graph) > 50  # the walk saw the package
    assert find_cycle(graph) is None
