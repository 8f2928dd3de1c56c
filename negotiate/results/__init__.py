"""What runs produce and how it is kept: one place for the results.

* :mod:`~negotiate.results.core`: :class:`Results` (what ``simulate`` returns),
  :func:`load_results` and the per-run table;
* :mod:`~negotiate.results.aggregate`: the additive per-block summaries;
* :mod:`~negotiate.results.output`: the one ``save`` every result type shares
  (atomic, with a common metadata header);
* :mod:`~negotiate.results.check`: what :func:`load_results` checks;
* :mod:`~negotiate.results.storage` (with ``locks``, ``leftovers`` and
  ``interrupts``): output directories written safely, the per-run table on disk.

Nothing here imports :mod:`negotiate.run`: the runners depend on the results,
never the other way round.
"""

from .core import DEGENERATE, Results, block_from_frame, load_results, run_frame
from .output import FORMAT_VERSION, Saved, library_versions, scenario_digest

__all__ = ["DEGENERATE", "FORMAT_VERSION", "Results", "Saved", "block_from_frame", "library_versions",
           "load_results", "run_frame", "scenario_digest"]
