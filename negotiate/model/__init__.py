"""The bargaining engine (docs/model.md), vectorised over Monte Carlo worlds."""

from .block import run_block
from .model import NegotiationModel
from .outcomes import AGENDAS, OUTCOMES, BlockResult
from .proposals import STRATEGIES

__all__ = ["AGENDAS", "OUTCOMES", "STRATEGIES", "BlockResult", "NegotiationModel", "run_block"]
