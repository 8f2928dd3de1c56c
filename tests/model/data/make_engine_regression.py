"""Write engine_regression.npz: per-world results of the engine for fixed seeds.

The file pins the engine's per-run results so that optimisations can be
checked to change nothing (tests/model/test_regression.py).  It was written
by the engine at commit 'Engine: per-world given values...' (before the
performance work of session 2) and must only be rewritten when a change of
the model is intended: say which and why in the commit and docs/model.md.
Last rewritten for per-world random numbers (docs/model.md, "Random numbers"):
every world now draws by its own index, which changed every draw once.
Rewritten again when the library's scenarios gained ``talks.truce_drafting``
and the shipped calibration its sixth knob (docs/validation.md, "Truce
drafting in every case"): the scenario pins changed, the test scenarios' not.

    python tests/model/data/make_engine_regression.py
"""

from pathlib import Path

import numpy as np

import negotiate
from negotiate.model import run_block

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
WORLDS = 300
SEED = 97
FIELDS = ("outcome", "agreement_round", "truce_round", "collapsed", "truces", "proposer",
          "terms", "victory", "offers", "accepts", "first_accept", "final_balance", "unconverged")


TEST_SCENARIOS = ("alternating", "binary", "contract3_durable", "contract7", "crossing",
                  "mechanics", "truce_cycle", "two_party", "varied")


def scenario_files():
    library = sorted((ROOT / "scenarios").glob("*.yaml"))
    return library + [HERE / f"{name}.yaml" for name in TEST_SCENARIOS]


def main():
    arrays = {}
    for path in scenario_files():
        block = run_block(negotiate.load_scenario(path), WORLDS, np.random.SeedSequence(SEED))
        for field in FIELDS:
            arrays[f"{path.stem}/{field}"] = getattr(block, field)
    np.savez_compressed(HERE / "engine_regression.npz", **arrays)


if __name__ == "__main__":
    main()
