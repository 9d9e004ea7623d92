"""One error type for bad input: it names the file, the line and the field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class InputError(ValueError):
    """Bad user input, reported as ``file, line N, field F: message``.

    ``line`` is the line of the file as an editor numbers it: the header is line 1, and
    comment and blank lines count. A table built in memory has no lines: ``row`` (its 1-based
    data row) names the record instead. Both are ``None`` when the problem concerns the whole
    file or a setting.

    ``problems`` holds the single errors when this one reports several problems found in one
    file (see :class:`Problems`); for a single problem it is ``(self,)``.
    """

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        *,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
        problems: Sequence[InputError] = (),
    ) -> None:
        if line is not None and row is not None:
            raise TypeError("an InputError names a line of a file or a row of a table, not both")
        self.path = None if path is None else str(path)
        self.line = line
        self.row = row
        self.field = field
        self.message = message
        self.problems: tuple[InputError, ...] = tuple(problems) or (self,)
        where = []
        if self.path is not None:
            where.append(self.path)
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class Problems:
    """The problems found in one file, collected so that they are reported together.

    :meth:`add` records one problem; :meth:`raise_if_any` raises them as one
    :class:`InputError` whose first line says how many there are, followed by one line per
    problem (``file, line N, field F: message``), in the order they were found.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self.errors: list[InputError] = []

    def add(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        """Record a problem of this file (at ``line``, in ``field``, when given)."""
        self.errors.append(InputError(self.path, message, line=line, field=field))

    def __len__(self) -> int:
        return len(self.errors)

    def raise_if_any(self) -> None:
        """Raise the problems found so far; a single one is raised as it is."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            listing = "\n".join(str(e) for e in self.errors)
            raise InputError(
                self.path,
                f"{len(self.errors)} problems, one per line:\n{listing}",
                problems=self.errors,
            )
