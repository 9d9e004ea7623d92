"""One error type for bad input: it names the file, the row and the field."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad user input, reported as ``file, row N, field F: message``.

    ``row`` is the 1-based data row (the header is row 0), as a user counts rows in a
    spreadsheet; ``None`` when the problem concerns the whole file.
    """

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.row = row
        self.field = field
        self.message = message
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
