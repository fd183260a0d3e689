"""Who imports whom, read from the source (nothing is imported): for the layering tests.

"Module level" means what runs when a module is imported: its top level, class bodies,
`if`/`try` blocks, but not function bodies (a lazy import runs on first call, after every
module involved has finished loading) and not `if TYPE_CHECKING:` blocks (never run).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name as written (relative imports resolved)
    lineno: int
    module_level: bool


def modules_under(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file in the given top-level packages."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imports_of(name: str, path: Path) -> list[Import]:
    """Every import statement in the module `name` stored at `path`."""
    stat = path.stat()
    return list(_parsed_imports(name, path, stat.st_mtime_ns, stat.st_size))


# Every layering test reads the whole product (~120 files): parsed once per test process,
# and again only for a file that changed (the key holds its modification time and size).
@functools.cache
def _parsed_imports(name: str, path: Path, mtime_ns: int, size: int) -> tuple[Import, ...]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def walk(nodes: Iterable[ast.AST], module_level: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend(Import(a.name, node.lineno, module_level) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                found.append(Import(base, node.lineno, module_level))
                # `from pkg import mod` imports the submodule pkg.mod when there is one.
                found.extend(Import(f"{base}.{a.name}", node.lineno, module_level)
                             for a in node.names if a.name != "*")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                walk(ast.iter_child_nodes(node), False)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                walk(node.orelse, module_level)
            else:
                walk(ast.iter_child_nodes(node), module_level)

    walk(tree.body, True)
    return tuple(found)


def import_graph(root: Path, packages: Iterable[str], *, module_level_only: bool = True
                 ) -> dict[str, set[str]]:
    """Module -> the modules of `packages` it imports (and the packages they sit in)."""
    modules = modules_under(root, packages)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for imp in imports_of(name, path):
            if module_level_only and not imp.module_level:
                continue
            parts = imp.module.split(".")
            for i in range(1, len(parts) + 1):
                target = ".".join(parts[:i])
                # A module's own enclosing packages are already loading when it runs.
                if target in modules and target != name and not name.startswith(target + "."):
                    deps.add(target)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)
