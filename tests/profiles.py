"""Hypothesis example counts that follow the profile (see ``tests/conftest.py``).

A test that sets its own ``max_examples`` overrides the profile's, so without
help it would run as many examples at night as on every push.  Such tests
write ``max_examples=scaled(n)`` instead: ``n`` under the ``ci`` and ``dev``
profiles, and ``NIGHTLY_FACTOR × n`` under ``nightly``.
"""

from __future__ import annotations

from hypothesis import settings

#: Hypothesis' own default ``max_examples``, which the ``ci`` and ``dev`` profiles keep
DEFAULT_EXAMPLES = 100
#: how many times more examples the ``nightly`` profile runs
NIGHTLY_FACTOR = 20


def scaled(n: int) -> int:
    """``n`` examples times the loaded profile's multiple of the default (at least once).

    Read when called, so call it where the test's settings are built (at import,
    which comes after ``conftest.py`` has loaded the profile).
    """
    return n * max(1, settings().max_examples // DEFAULT_EXAMPLES)
