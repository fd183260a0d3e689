"""The product's layering, read from the source: no module of backend/ or kiosk/ leans on
the test helpers, and no two modules need each other to load."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.imports import cycles, import_graph, imports_of, modules_under
from tests.support.paths import REPO

ROOT = REPO
PRODUCT = ("backend", "kiosk")


def test_no_product_module_imports_the_tests() -> None:
    """tests/ is left out of the frozen kiosk: an import of it, even a lazy one, would fail
    there (and would ship fixed secrets if it did not)."""
    found = [f"{path.relative_to(ROOT)}:{imp.lineno} {imp.module}"
             for name, path in modules_under(ROOT, PRODUCT).items()
             for imp in imports_of(name, path)
             if imp.module == "tests" or imp.module.startswith("tests.")]
    assert not found, found


def test_no_import_cycles_at_module_level() -> None:
    """A cycle makes import order matter (a half-loaded module, an ImportError after an
    innocent reordering); a lazy import inside a function is allowed."""
    assert cycles(import_graph(ROOT, PRODUCT)) == []


@pytest.mark.parametrize(("first", "second"), [
    ("backend.db", "backend.models"),
    ("backend.logs", "backend.secrets"),
    ("backend.relay.app", "backend.relay.server"),
    ("kiosk.app", "kiosk.display"),
])
def test_the_pairs_that_needed_each_other_now_import_one_way(first: str, second: str) -> None:
    """Issue 10's cycles were hidden behind lazy imports (a migration importing the models,
    a module `__getattr__`, a dead `main`): each pair now depends one way only."""
    graph = import_graph(ROOT, PRODUCT, module_level_only=False)
    assert not (second in graph[first] and first in graph[second]), (first, second)


def _package(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_cycle_finder_tells_module_level_from_lazy_imports(tmp_path: Path) -> None:
    _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "from . import c\n",
        "pkg/c.py": "import pkg.a\n",  # a -> b -> c -> a, all at module level
        "pkg/d.py": "def later():\n    from pkg import e\n",
        "pkg/e.py": "from typing import TYPE_CHECKING\nfrom pkg import d\n"
                    "if TYPE_CHECKING:\n    from pkg import f\n",
        "pkg/f.py": "from pkg.e import d\n",
    })
    assert cycles(import_graph(tmp_path, ["pkg"])) == [["pkg.a", "pkg.b", "pkg.c"]]
    everything = import_graph(tmp_path, ["pkg"], module_level_only=False)
    assert ["pkg.d", "pkg.e"] in cycles(everything)
    assert "pkg.f" not in everything["pkg.e"]  # TYPE_CHECKING imports never run


# The donor's payment and the door to the backend: no screen, no widget, no painting.
WIDGET_FREE = ("kiosk.payment_flow", "kiosk.tap_flow", "kiosk.model", "kiosk.staff_model",
               "kiosk.services", "kiosk.answers", "kiosk.qr")
DRAWING = ("PySide6.QtWidgets", "PySide6.QtGui", "kiosk.screens", "kiosk.widgets",
           "kiosk.main_window", "kiosk.payment_view")


@pytest.mark.parametrize("start", WIDGET_FREE)
def test_the_payment_flow_reaches_no_widget_even_lazily(start: str) -> None:
    """PaymentFlow is tested without a screen (tests/gui/test_payment_flow.py): nothing it
    imports, at load or on first use, may draw, so no test of it needs a window."""
    modules = modules_under(ROOT, PRODUCT)
    seen, todo, found = {start}, [start], []
    while todo:
        name = todo.pop()
        for imp in imports_of(name, modules[name]):
            if any(imp.module == d or imp.module.startswith(d + ".") for d in DRAWING):
                found.append(f"{name}:{imp.lineno} {imp.module}")
            if imp.module in modules and imp.module not in seen:
                seen.add(imp.module)
                todo.append(imp.module)
    assert not found, found
