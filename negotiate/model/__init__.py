"""The bargaining engine (MODEL.md §1–4), vectorised over Monte Carlo worlds."""

from .outcomes import AGENDAS, OUTCOMES, BlockResult
from .block import run_block

__all__ = ["AGENDAS", "OUTCOMES", "BlockResult", "run_block"]
