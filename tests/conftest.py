"""Suite-wide settings.

Hypothesis profiles: ``ci`` (the default under ``CI=true``) replays the same
examples every run so a green build stays green; ``dev`` explores new ones;
``nightly`` explores ten times more.  Choose with ``HYPOTHESIS_PROFILE``.
"""

import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")  # no screen on CI; plots are checked on their content

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("dev", database=None)
settings.register_profile("nightly", database=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
