"""The engine's per-world results for fixed seeds are pinned.

``data/engine_regression.npz`` was written by the engine before the
performance work (see ``data/make_engine_regression.py``); optimisations must
reproduce it world by world.  An intended change of the model rewrites it
(documented in docs/model.md).
"""

from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.model import run_block

from .data.make_engine_regression import FIELDS, SEED, WORLDS, scenario_files

DATA = Path(__file__).parent / "data" / "engine_regression.npz"


@pytest.fixture(scope="module")
def pinned():
    with np.load(DATA) as f:
        return dict(f)


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_engine_reproduces_pinned_results(path, pinned):
    block = run_block(negotiate.load_scenario(path), WORLDS, np.random.SeedSequence(SEED))
    for field in FIELDS:
        expected = pinned[f"{path.stem}/{field}"]
        got = getattr(block, field)
        if np.issubdtype(expected.dtype, np.floating):
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True, err_msg=field)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=field)
