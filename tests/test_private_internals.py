"""No private internals of other libraries outside ``newsbot/compat.py``.

Scans every module of the package (its syntax tree, not its text) for a private name (one
underscore, not a dunder) of something that is not newsbot's own: an attribute that no newsbot
module defines, ``getattr(obj, "_name")``, an import of a private module or name, a
``super()._hook()`` that only the calling class defines (a library's hook). Also the few public-
looking attributes that are Scrapy internals (the scheduler's ``dqs``/``mqs``, the downloader's
``slots``). ``newsbot/compat.py`` is the one adapter allowed to touch them, saying why.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "newsbot"
ADAPTER = PACKAGE / "compat.py"

#: Private by name only, public by contract: ``os._exit`` (documented), lxml's element type
#: ``_Element`` (the documented class of every element, used in annotations).
PUBLIC = {("os", "_exit"), ("etree", "_Element"), ("lxml.etree", "_Element")}
#: Scrapy internals without an underscore.
INTERNAL = {"dqs", "mqs", "slots"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _trees() -> dict[Path, ast.AST]:
    return {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(PACKAGE.rglob("*.py"))}


def _own_names(trees: dict[Path, ast.AST]) -> tuple[set[str], Counter[str]]:
    """Private names newsbot defines (functions, classes, assigned attributes and variables),
    and how many functions of each name it defines."""
    names: set[str] = set()
    functions: Counter[str] = Counter()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[node.name] += 1
                names.add(node.name)
            elif isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names, functions


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def foreign_internals(trees: dict[Path, ast.AST]) -> list[str]:
    own, functions = _own_names(trees)
    found = []
    for path, tree in trees.items():
        if path == ADAPTER:
            continue
        where = path.relative_to(PACKAGE.parent).as_posix()
        for node in ast.walk(tree):
            line = f"{where}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Attribute):
                base = node.value
                if node.attr in INTERNAL and isinstance(node.ctx, ast.Load):
                    found.append(f"{line}: .{node.attr}")
                if not _private(node.attr) or (_dotted(base), node.attr) in PUBLIC:
                    continue
                if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                    continue
                if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
                    if functions[node.attr] < 2:  # only the override is ours: the hook is a library's
                        found.append(f"{line}: super().{node.attr}")
                    continue
                if node.attr not in own:
                    found.append(f"{line}: .{node.attr}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("getattr", "hasattr", "setattr", "delattr") and len(node.args) >= 2:
                    arg = node.args[1]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if (_private(arg.value) and arg.value not in own) or arg.value in INTERNAL:
                            found.append(f"{line}: {node.func.id}(..., {arg.value!r})")
            elif isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith("newsbot"):
                if any(_private(part) for part in node.module.split(".")):
                    found.append(f"{line}: from {node.module}")
                for alias in node.names:
                    if _private(alias.name) and (node.module, alias.name) not in PUBLIC:
                        found.append(f"{line}: from {node.module} import {alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{line}: import {alias.name}")
    return found


def test_no_private_internals_of_other_libraries_outside_the_adapter() -> None:
    assert foreign_internals(_trees()) == []


def test_the_scan_finds_each_kind_of_access() -> None:
    # The scanner itself, on code that does each thing it must refuse (and two it must allow).
    source = """
import re._parser
from _sre import unicode_tolower
from re._casefix import _EXTRA_CASES
from lxml.etree import _Element
import os

class Mine:
    def _own(self):
        self._state = 1

class Hooked(Base):
    def _create_detector(self):
        return super()._create_detector()

def f(engine, pool, scheduler, other: Mine):
    engine._slot.nextcall.schedule()
    getattr(pool, "_processes")
    scheduler.dqs
    engine.downloader.slots
    other._own()
    other._state
    os._exit(1)
"""
    found = foreign_internals({PACKAGE / "example.py": ast.parse(source)} | _trees())
    found = [f.split(": ", 1)[1] for f in found if f.startswith("newsbot/example.py")]
    assert sorted(found) == sorted([
        "import re._parser", "from _sre", "from re._casefix", "from re._casefix import _EXTRA_CASES",
        "super()._create_detector", "._slot", "getattr(..., '_processes')", ".dqs", ".slots",
    ]), found  # fmt: skip
