"""What the local workers' fork server imports before it forks them (:func:`casim.sweep.executors.prestart`).

The chunk code (:mod:`casim.sweep.jobs`), and the kernel a sweep large enough
for the fused kernel runs (:func:`casim.ensemble.kernel`), run once on one run
of the baseline: the fused kernel's machine code (numba's import and its
cache, ~1-1.5 s) is then loaded once, in the server, while the parent samples
the design, and every worker forked from it starts with it instead of loading
it on its first chunk. Smaller sweeps, which run the numpy kernel, preload
:mod:`casim.sweep.jobs` only (:func:`casim.sweep.executors.prestart`). A kernel that cannot run is left to fail in the
workers, where the error reaches the sweep. Imported nowhere else.
"""

from __future__ import annotations

import contextlib

from .. import api, ensemble
from ..scenario import load_scenario
from . import jobs  # noqa: F401  (the module the workers run)

with contextlib.suppress(Exception):  # a kernel that cannot run fails again in a worker's chunk, reported there
    api.simulate(load_scenario("baseline"), [0], work=ensemble.FUSED_MIN_WORK)  # the kernel a large sweep runs
