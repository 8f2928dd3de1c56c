"""Suite-wide settings.

Hypothesis profiles: ``ci`` (the default under ``CI=true``) replays the same
examples every run so a green build stays green; ``dev`` explores new ones;
``nightly`` explores twenty times more (the default 100 examples become 2,000;
tests that set their own ``max_examples`` scale it with the profile, see
``tests/scenario/test_fuzz_tree.py::scaled``).  Choose with ``HYPOTHESIS_PROFILE``.
"""

import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")  # no screen on CI; plots are checked on their content

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("dev", database=None)
settings.register_profile("nightly", database=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
