"""The one exception casim raises for bad input; the CLI prints it on one line and exits 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# characters that end a line (str.splitlines), shown escaped: a file name or a value holding one stays on one line
_LINE_BREAKS = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"})


class CasimError(Exception):
    """Bad input or an impossible request. ``str(err)`` is the whole one-line message."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        super().__init__((f"{where}: {message}" if where else message).translate(_LINE_BREAKS))


def nearest(word: str, valid: Iterable[str], n: int = 3) -> list[str]:
    """The valid names closest to a misspelt one (may be empty)."""
    valid = list(valid)
    close = difflib.get_close_matches(word, valid, n=n, cutoff=0.5)
    if not close:
        # a dotted path: match on the last segment as well
        tail = word.rsplit(".", 1)[-1]
        close = [v for v in valid if v.rsplit(".", 1)[-1] == tail][:n]
    return close


def did_you_mean(word: str, valid: Iterable[str]) -> str:
    """A suffix for an error message: "; did you mean 'x'?" or the valid choices."""
    valid = sorted(set(valid))
    close = nearest(word, valid)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    if len(valid) <= 12:
        return "; valid: " + ", ".join(valid)
    return ""
