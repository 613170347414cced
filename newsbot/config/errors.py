"""Configuration errors that stop a run before it starts."""

from __future__ import annotations


class ConfigError(Exception):
    """A bad configuration file, setting or spider argument.

    The message names the file (or setting/argument), the line where known, and the field, so
    that the operator can fix it without reading code.
    """

    def __init__(self, where: str, field: str | None, problem: str, line: int | None = None) -> None:
        self.where = where
        self.field = field
        self.problem = problem
        self.line = line
        loc = where if line is None else f"{where}:{line}"
        what = f" field {field!r}:" if field else ""
        super().__init__(f"{loc}:{what} {problem}")
