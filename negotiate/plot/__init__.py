"""Figures (matplotlib).  Every function takes ``ax=None`` and returns what it
drew on; none calls ``show()``.  Importing this package imports matplotlib."""

from .acceptance import plot_acceptance_rates
from .ceasefires import plot_ceasefire_types
from .compare import plot_comparison, plot_many_comparison
from .discovery import plot_discovery, plot_tradeoff
from .outcomes import plot_outcome_probabilities
from .sensitivity import plot_sensitivity
from .style import OKABE_ITO, OUTCOME_COLOURS, OUTCOME_LABELS
from .sweep import plot_sweep_heatmap, plot_sweep_line
from .terms import plot_settled_terms
from .timing import plot_time_to_agreement
from .trajectory import plot_balance, plot_offers, plot_responses, plot_trajectory

__all__ = [
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "OUTCOME_LABELS",
    "plot_acceptance_rates",
    "plot_balance",
    "plot_ceasefire_types",
    "plot_comparison",
    "plot_discovery",
    "plot_many_comparison",
    "plot_offers",
    "plot_outcome_probabilities",
    "plot_responses",
    "plot_sensitivity",
    "plot_settled_terms",
    "plot_sweep_heatmap",
    "plot_sweep_line",
    "plot_time_to_agreement",
    "plot_tradeoff",
    "plot_trajectory",
]
