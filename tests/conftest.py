"""Suite-wide settings.

Hypothesis profiles: ``ci`` (the default under ``CI=true``) replays the same
examples every run so a green build stays green; ``dev`` explores new ones;
``nightly`` explores twenty times more (the default 100 examples become 2,000).
A test that sets its own ``max_examples`` must write it as ``scaled(n)`` from
``tests/profiles.py`` to follow the profile: ``n`` under ``ci`` and ``dev``,
20 × ``n`` under ``nightly``.  Choose with ``HYPOTHESIS_PROFILE`` (default:
``ci`` when ``CI`` is set, else ``dev``).
"""

import os

import matplotlib
from hypothesis import settings

from tests.profiles import DEFAULT_EXAMPLES, NIGHTLY_FACTOR

matplotlib.use("Agg")  # no screen on CI; plots are checked on their content

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("dev", database=None)
settings.register_profile("nightly", database=None, max_examples=DEFAULT_EXAMPLES * NIGHTLY_FACTOR)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
