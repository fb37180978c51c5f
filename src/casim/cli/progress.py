"""Progress bars for long commands (tqdm, on stderr, silent when not a terminal)."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def bar(total: int | None, unit: str = "run", desc: str | None = None):
    """A callback ``advance(n)`` that moves a progress bar; shows rate and ETA."""
    from tqdm.auto import tqdm  # here, not at the top: building the parser stays fast

    with tqdm(total=total, unit=unit, desc=desc, disable=None, dynamic_ncols=True, leave=False) as t:
        yield t.update
