"""Numbers that may be distributions.

Any number in a scenario may be written as a constant (``0.6``) or as a
distribution (``{dist: beta, a: 6, b: 3}``).  Each distribution knows its
support (checked against the field's allowed range at validation time, so an
out-of-range value is an error rather than a silent clip), its mean, and how to
draw ``n`` values with a caller-supplied :class:`numpy.random.Generator`.

The families and their parameterisation follow ``scipy.stats``.  The engine
draws a field's value world by world as its quantile at that world's own
uniform (:meth:`quantile`, ``ppf``; docs/model.md, "Random numbers"), so a
world's values do not depend on the other worlds; :meth:`sample` (through
``scipy.stats`` with ``random_state=rng``) serves callers that want ``n``
draws from a generator.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "Beta",
    "Choice",
    "Distribution",
    "LogNormal",
    "Normal",
    "Param",
    "Triangular",
    "TruncNormal",
    "Uniform",
    "param_mean",
    "param_support",
    "quantile_param",
    "sample_param",
]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def frozen(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` values using ``rng`` (never global state)."""
        return np.asarray(_frozen(self).rvs(size=n, random_state=rng), dtype=float)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at probabilities ``u`` (in (0, 1)): one draw per uniform, so a
        world's value depends on its own uniform only (docs/model.md, "Random numbers")."""
        return np.asarray(_frozen(self).ppf(u), dtype=float)

    def support(self) -> tuple[float, float]:
        # each family states its support in closed form: exact at the bounds, and
        # validation does not pay for building a scipy distribution per field
        lo, hi = self.frozen().support()
        return float(lo), float(hi)

    def mean(self) -> float:
        return float(self.frozen().mean())


@functools.lru_cache(maxsize=4096)
def _frozen(dist: _Dist):
    """The scipy distribution of ``dist``, built once: every block of worlds
    draws from the same fields, and building one costs more than drawing."""
    return dist.frozen()


def reject_non_number(value: Any) -> Any:
    """A number field's value, for pydantic, unless it is a YAML boolean or text that reads as
    a number (``"0.004"``): pydantic's lax mode would take either, the JSON Schema refuses both."""
    # YAML reads yes/no/on/off/true/false as booleans, which pydantic would take as 1 and 0
    if isinstance(value, bool):  # a ValueError, not a TypeError: pydantic reports it at the field
        raise ValueError(  # noqa: TRY004
            f"expected a number, got {'true' if value else 'false'} "
            "(YAML reads yes, no, on, off, true and false as true or false)"
        )
    # "0.004" (quoted) is text, which pydantic's lax mode would read as 0.004; other text
    # ("half") pydantic refuses itself, saying what the field takes
    if isinstance(value, str) and _reads_as_number(value):
        raise ValueError(f"expected a number, got the string {json.dumps(value, ensure_ascii=False)} "
                         "(write it without quotes)")
    return value


def _reads_as_number(text: str) -> bool:
    """Whether pydantic would read ``text`` as a finite number (a "nan" is refused later
    as not finite, as the number would be)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


#: a number as a scenario writes it: never a YAML boolean, never a quoted number
Number = Annotated[float, BeforeValidator(reject_non_number)]


def _finite(**values: float) -> None:
    for name, v in values.items():
        if not math.isfinite(v):
            raise ValueError(f"parameter '{name}' must be a finite number, got {v}")


class Normal(_Dist):
    dist: Literal["normal"]
    mean_: Number = Field(alias="mean")
    sd: Number

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        _finite(mean=self.mean_, sd=self.sd)
        if self.sd <= 0:
            raise ValueError(f"sd must be > 0, got {self.sd}")
        return self

    def frozen(self):
        from scipy import stats  # imported on first draw: validation does not need it

        return stats.norm(loc=self.mean_, scale=self.sd)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        return self.mean_ + self.sd * ndtri(u)

    def support(self) -> tuple[float, float]:
        return -math.inf, math.inf


class TruncNormal(_Dist):
    dist: Literal["truncnorm"]
    mean_: Number = Field(alias="mean")
    sd: Number
    low: Number
    high: Number

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        _finite(mean=self.mean_, sd=self.sd, low=self.low, high=self.high)
        if self.sd <= 0:
            raise ValueError(f"sd must be > 0, got {self.sd}")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be < high ({self.high})")
        return self

    def frozen(self):
        from scipy import stats  # imported on first draw: validation does not need it

        a = (self.low - self.mean_) / self.sd
        b = (self.high - self.mean_) / self.sd
        return stats.truncnorm(a, b, loc=self.mean_, scale=self.sd)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Beta(_Dist):
    """Beta(a, b) rescaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: Number
    b: Number
    low: Number = 0.0
    high: Number = 1.0

    @model_validator(mode="after")
    def _check(self):
        _finite(a=self.a, b=self.b, low=self.low, high=self.high)
        if self.a <= 0 or self.b <= 0:
            raise ValueError(f"a and b must be > 0, got a={self.a}, b={self.b}")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be < high ({self.high})")
        return self

    def frozen(self):
        from scipy import stats  # imported on first draw: validation does not need it

        return stats.beta(self.a, self.b, loc=self.low, scale=self.high - self.low)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _check(self):
        _finite(low=self.low, high=self.high)
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be < high ({self.high})")
        return self

    def frozen(self):
        from scipy import stats  # imported on first draw: validation does not need it

        return stats.uniform(loc=self.low, scale=self.high - self.low)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _check(self):
        _finite(low=self.low, mode=self.mode, high=self.high)
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"need low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def frozen(self):
        from scipy import stats  # imported on first draw: validation does not need it

        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class LogNormal(_Dist):
    """exp(N(mu, sigma)): ``median = exp(mu)``."""

    dist: Literal["lognormal"]
    mu: Number
    sigma: Number

    @model_validator(mode="after")
    def _check(self):
        _finite(mu=self.mu, sigma=self.sigma)
        if self.sigma <= 0:
            raise ValueError(f"sigma must be > 0, got {self.sigma}")
        if abs(self.mu) > 700:  # exp(mu) must stay a finite float
            raise ValueError(f"mu must be between -700 and 700, got {self.mu:g}")
        return self

    def frozen(self):
        from scipy import stats  # imported on first draw: validation does not need it

        return stats.lognorm(s=self.sigma, scale=math.exp(self.mu))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        return np.exp(self.mu + self.sigma * ndtri(u))

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf


class Choice(_Dist):
    """One of ``values``, with probabilities ``p`` (uniform if omitted)."""

    dist: Literal["choice"]
    values: list[Number] = Field(min_length=1, max_length=10_000)
    p: list[Number] | None = None

    @model_validator(mode="after")
    def _check(self):
        for i, v in enumerate(self.values):
            _finite(**{f"values[{i}]": v})
        if self.p is not None:
            if len(self.p) != len(self.values):
                raise ValueError(
                    f"p has {len(self.p)} entries but values has {len(self.values)}"
                )
            if any((not math.isfinite(x)) or x < 0 for x in self.p):
                raise ValueError("p must be finite and non-negative")
            if not math.isclose(sum(self.p), 1.0, abs_tol=1e-9):
                raise ValueError(f"p must sum to 1, sums to {sum(self.p):.6g}")
        return self

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=n, p=self.p)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Value ``k`` where ``u`` falls in the k-th slice of the cumulative probabilities."""
        values = np.asarray(self.values, dtype=float)
        w = np.full(values.size, 1.0 / values.size) if self.p is None else np.asarray(self.p, dtype=float)
        edges = np.cumsum(w)[:-1] / w.sum()
        return values[np.searchsorted(edges, np.asarray(u, dtype=float), side="right")]

    def support(self) -> tuple[float, float]:
        return float(min(self.values)), float(max(self.values))

    def mean(self) -> float:
        w = self.p if self.p is not None else [1 / len(self.values)] * len(self.values)
        return float(np.dot(w, self.values))


Distribution = Annotated[
    Normal | TruncNormal | Beta | Uniform | Triangular | LogNormal | Choice,
    Field(discriminator="dist"),
]

#: A scenario number: a constant or a distribution.
Param = float | Distribution

DIST_NAMES = ("normal", "truncnorm", "beta", "uniform", "triangular", "lognormal", "choice")


def param_support(value: Any) -> tuple[float, float]:
    if isinstance(value, _Dist):
        return value.support()
    return float(value), float(value)


def param_mean(value: Any) -> float:
    return value.mean() if isinstance(value, _Dist) else float(value)


def is_distribution(value: Any) -> bool:
    return isinstance(value, _Dist)


def quantile_param(value: Any, u: np.ndarray) -> np.ndarray:
    """A scenario number at probabilities ``u``, one per world (a constant is repeated)."""
    if isinstance(value, _Dist):
        return value.quantile(u)
    return np.full(np.shape(u), float(value))


def sample_param(value: Any, n: int, *, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of a scenario number (a constant is repeated)."""
    if isinstance(value, _Dist):
        return value.sample(n, rng=rng)
    return np.full(n, float(value))
