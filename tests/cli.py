"""Running the ``negotiate`` command as a user would: a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def negotiate_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m negotiate ARGS`` in ``cwd`` (this checkout importable, no display)."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "negotiate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
