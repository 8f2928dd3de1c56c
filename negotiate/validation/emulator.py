"""A classifier emulator of one case: the probability of each outcome class given the knobs.

A multinomial logistic regression of the outcome class of a world on the
knob values ``θ`` of that world, with quadratic features (every ``θ_j``,
``θ_j²`` and ``θ_i θ_j``, the knobs first standardised), L2-penalised
(scikit-learn's ``LogisticRegression``, ``C = 1``, lbfgs: deterministic).
It smooths the simulated worlds of a space-filling design into ``p̂(k | θ)``
at any ``θ``; a class no world of the design reached gets the floor.

**Floor.** Every probability is raised to at least ``1 / (2M)`` (``M`` the
worlds the emulator was fitted on) and the row renormalised: half a world's
worth, the resolution of the design, so that an outcome the simulations
never produced is improbable but not impossible and no log-likelihood is
``−∞``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SimulationError

__all__ = ["CALIBRATION_EXTRA", "OutcomeEmulator", "fit_emulator"]

CALIBRATION_EXTRA = "pip install 'negotiate[calibration]'"
PENALTY_C = 1.0


@dataclass(frozen=True)
class OutcomeEmulator:
    """``predict(θ) -> p̂(k | θ)`` for one case (``θ``: one column per knob of the design;
    only ``columns``, the knobs the case has, are used)."""

    n_classes: int
    columns: tuple[int, ...]
    floor: float
    model: object | None      # the fitted pipeline, or None: the outcome does not depend on θ
    classes: np.ndarray        # the classes the model knows (the others have probability 0)
    constant: np.ndarray       # (K,) shares used when ``model`` is None

    def predict(self, theta) -> np.ndarray:
        """``(n, K)`` probabilities at the rows of ``theta``, floored and summing to 1."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        raw = np.zeros((theta.shape[0], self.n_classes))
        if self.model is None:
            raw[:] = self.constant
        else:
            raw[:, self.classes] = self.model.predict_proba(theta[:, list(self.columns)])
        raw = np.maximum(raw, self.floor)
        return raw / raw.sum(axis=1, keepdims=True)

    def pseudo_r2(self, theta, outcomes) -> float:
        """McFadden's ``1 − ln L(model) / ln L(constant shares)`` on ``(theta, outcomes)``:
        0 when the knobs explain nothing of the outcome, nearer 1 the more they do."""
        outcomes = np.asarray(outcomes, dtype=np.int64)
        rows = np.arange(outcomes.size)
        fitted = np.log(self.predict(theta)[rows, outcomes]).sum()
        shares = np.maximum(np.bincount(outcomes, minlength=self.n_classes) / outcomes.size, self.floor)
        null = np.log((shares / shares.sum())[outcomes]).sum()
        return float(1.0 - fitted / null) if null < 0 else 0.0


def fit_emulator(theta, outcomes, n_classes: int, columns=None, floor: float | None = None) -> OutcomeEmulator:
    """Fit ``p̂(k | θ)`` to worlds with knob values ``theta`` (M, J) and outcome classes
    ``outcomes`` (M,) in ``0..n_classes-1``; ``columns``: the knobs that act in this case
    (default: all).  With no acting knob or a single class, ``p̂`` is the shares.
    ``floor``: the least probability of a class (default ``1/(2M)``)."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    outcomes = np.asarray(outcomes, dtype=np.int64)
    if theta.shape[0] != outcomes.shape[0] or outcomes.ndim != 1 or outcomes.size == 0:
        raise ValueError(f"need one outcome per row of theta, got {theta.shape} and {outcomes.shape}")
    if outcomes.min() < 0 or outcomes.max() >= n_classes:
        raise ValueError(f"outcomes must lie in 0..{n_classes - 1}")
    columns = tuple(range(theta.shape[1])) if columns is None else tuple(int(c) for c in columns)
    floor = 1.0 / (2 * outcomes.size) if floor is None else float(floor)
    classes = np.unique(outcomes)
    shares = np.bincount(outcomes, minlength=n_classes) / outcomes.size
    if not columns or classes.size < 2:
        return OutcomeEmulator(n_classes, columns, floor, None, classes, shares)
    model = _pipeline().fit(theta[:, list(columns)], outcomes)
    return OutcomeEmulator(n_classes, columns, floor, model, classes, shares)


def _pipeline():
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import PolynomialFeatures, StandardScaler
    except ImportError as exc:
        raise SimulationError(f"calibration needs scikit-learn ({exc}); install the optional "
                              f"dependencies: {CALIBRATION_EXTRA}") from None
    return make_pipeline(StandardScaler(), PolynomialFeatures(degree=2, include_bias=False),
                         StandardScaler(), LogisticRegression(C=PENALTY_C, max_iter=2000))
