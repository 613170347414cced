"""Every ``NEWSBOT_*`` setting is declared once, in ``newsbot/settings.py``, with its meaning."""

from __future__ import annotations

import re
from pathlib import Path

import newsbot.settings as project

PACKAGE = Path(project.__file__).parent
NAME = re.compile(r"\bNEWSBOT_[A-Z0-9_]+\b")
DECLARATION = re.compile(r"^(NEWSBOT_[A-Z0-9_]+)\s*(?::[^=]+)?=")
#: a value read with a default of its own: ``settings.getint("NEWSBOT_X", 5)``
DEFAULT_AT_USE = re.compile(r"\.get(?:bool|int|float|list|dict)?\(\s*\"NEWSBOT_[A-Z0-9_]+\"\s*,")


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p != Path(project.__file__)}


def test_every_name_read_in_code_is_declared() -> None:
    read = {name for text in _sources().values() for name in NAME.findall(text)}
    undeclared = sorted(name for name in read if not hasattr(project, name))
    assert undeclared == []


def test_each_declaration_once_with_its_meaning() -> None:
    lines = Path(project.__file__).read_text(encoding="utf-8").splitlines()
    seen: dict[str, int] = {}
    unexplained = []
    for i, line in enumerate(lines):
        m = DECLARATION.match(line)
        if not m:
            continue
        name = m.group(1)
        assert name not in seen, f"{name} declared twice (lines {seen[name] + 1} and {i + 1})"
        seen[name] = i
        # the meaning: a comment on the line, or the comment block just above it
        block_above = i > 0 and lines[i - 1].startswith("#")
        if "#" not in line and not block_above:
            unexplained.append(name)
    assert unexplained == []


def test_no_default_at_the_point_of_use() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}: {m.group(0)}"
        for path, text in _sources().items()
        for m in DEFAULT_AT_USE.finditer(text)
    ]
    assert found == []
