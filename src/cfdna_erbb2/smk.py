"""What every workflow script (workflow/scripts/*.py) shares: its log file.

A rule's script writes its messages to the rule's ``log:`` file. :func:`script_log` opens
that file, sends ``sys.stderr`` and the ``logging`` module (CNVkit logs through it) there, and
restores both on the way out. If the script fails, the traceback is written to the log and
the exception goes on to Snakemake, which prints it on the console: the error is in both
places, never lost on a closed stream.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def script_log(path: str | Path) -> Iterator[TextIO]:
    """Open the rule's log ``path`` for the duration of the block; yields the open file."""
    with Path(path).open("w") as log:
        old_stderr = sys.stderr
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        sys.stderr = log
        try:
            yield log
        except BaseException as exc:
            if not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
                traceback.print_exc(file=log)
            raise
        finally:
            log.flush()
            sys.stderr = old_stderr
            root.removeHandler(handler)
            root.setLevel(old_level)


def warn(message: str) -> None:
    """A warning the user must see: to the rule's log and to the console."""
    print(message, file=sys.stderr, flush=True)
    if sys.__stderr__ is not None and sys.stderr is not sys.__stderr__:
        print(message, file=sys.__stderr__, flush=True)
