"""Batch parameter sweeps: sweep files, designs (grid, LHS, Sobol, Morris, CSV), executors and the chunked store.

``casim.run_sweep(path_or_object, out=...)`` runs one; ``casim.read_results(out)``
reads its store back as one table.

Modules, each with one job: :mod:`~casim.sweep.schema` (the sweep-file
schema), :mod:`~casim.sweep.parameters` (swept parameters),
:mod:`~casim.sweep.csv_design` (CSV designs), :mod:`~casim.sweep.spec`
(loading a sweep file), :mod:`~casim.sweep.design` (SALib and grid designs),
:mod:`~casim.sweep.plan` (chunks and their jobs), :mod:`~casim.sweep.jobs`
(the work of one chunk), :mod:`~casim.sweep.manifest` (a new store's
manifest), :mod:`~casim.sweep.resume` (the resume check),
:mod:`~casim.sweep.store` (the store on disk), :mod:`~casim.sweep.checksums`
(each chunk's recorded size and SHA-256), :mod:`~casim.sweep.summary` (the
closing summary, tallied as chunks finish), :mod:`~casim.sweep.executors`
(local processes and Dask; their fork server imports
:mod:`~casim.sweep.preload`) and :mod:`~casim.sweep.runner` (running it all).
"""

from .design import Design
from .design import make as make_design
from .parameters import Param
from .plan import plan_info
from .runner import Outcome, SweepInterrupted, run_sweep
from .spec import Sweep, load_sweep, sweep_from_dict
from .store import read_store, summarise

__all__ = [
    "Design",
    "Outcome",
    "Param",
    "Sweep",
    "SweepInterrupted",
    "load_sweep",
    "make_design",
    "plan_info",
    "read_store",
    "run_sweep",
    "summarise",
    "sweep_from_dict",
]
