"""Pieces shared by the benchmark scripts: the machine, pinning, peak memory, child processes.

Importing this module limits BLAS to one thread per process (the variables
must be set before numpy is first imported, so import it first): the engine
is timed on the cores we give it, not on a BLAS pool's extra threads.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
from pathlib import Path
from typing import Self

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "ukraine_march_2025.yaml"
MIB = 2**20


# --- the machine -------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_total_mib() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine() -> dict:
    """What the figures were measured on (with the load average: a busy machine runs slower)."""
    import mesa
    import numpy as np

    import negotiate

    pinned = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {
        "platform": platform.platform(), "processor": _cpu_model(),
        "cpu_count": os.cpu_count(), "cpus_used": pinned, "memory_mib": _memory_total_mib(),
        "load_average": load, "python": platform.python_version(),
        "numpy": np.__version__, "mesa": mesa.__version__, "negotiate": negotiate.__version__,
    }


def write_figures(path: Path | None, figures: dict) -> None:
    """With ``--json PATH``, the figures as JSON (written whole or not at all: temp file,
    then rename), and a line saying where."""
    if path is None:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(figures, indent=2) + "\n")
    tmp.replace(path)
    print(f"figures written to {path}")


def pin_to_one_cpu() -> None:
    """Run this process (and anything it starts later) on one CPU, where the platform allows."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


# --- peak memory ---------------------------------------------------------------------

def self_peak_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_field(pid: int, path: str, field: str) -> int | None:
    """A ``field:  <n> kB`` line of ``/proc/<pid>/<path>`` in bytes; ``None`` if unreadable."""
    try:
        with open(f"/proc/{pid}/{path}", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class TreeMemory:
    """Samples the memory of this process and its descendants (worker pools) in a thread.

    Worker processes are not children of this one when the pool forks them
    from a fork server, and they exit before we could ask, so ``RUSAGE_CHILDREN``
    does not see them; instead, every ``interval`` seconds this reads each
    descendant's own peak RSS (VmHWM) and the proportional set size (PSS) of
    every process of the tree.  Workers forked from a server share its pages
    (the imported libraries, a few hundred MiB), which RSS counts once per
    process; PSS splits each shared page between its sharers, so the sum of
    PSS is the memory the whole tree really occupies.  ``figures()`` gives the
    measuring process's peak RSS (exact), the largest descendant's peak RSS
    and the largest sampled sum of PSS.  Linux only (``/proc``), and needs
    psutil to find the descendants; otherwise the last two are ``None``.
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.child_peaks: dict[int, int] = {}
        self.tree_pss_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        try:
            import psutil
        except ImportError:
            self._me = None
        else:
            self._me = psutil.Process()
        if self._me is not None and _status_field(self._me.pid, "smaps_rollup", "Pss:") is None:
            self._me = None  # no /proc with PSS here

    def __enter__(self) -> Self:
        if self._me is not None:
            self._sample()
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._me is not None:
            self._stop.set()
            self._thread.join()
            self._sample()

    def _sample(self) -> None:
        import psutil

        try:
            children = self._me.children(recursive=True)
        except psutil.Error:
            return
        total = _status_field(self._me.pid, "smaps_rollup", "Pss:") or 0
        for child in children:
            pss = _status_field(child.pid, "smaps_rollup", "Pss:")
            peak = _status_field(child.pid, "status", "VmHWM:")
            if pss is None or peak is None:  # exited between listing and reading
                continue
            total += pss
            self.child_peaks[child.pid] = max(peak, self.child_peaks.get(child.pid, 0))
        self.tree_pss_peak = max(self.tree_pss_peak, total)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def figures(self) -> dict:
        sampled = self._me is not None
        return {
            "peak_rss_mib": round(self_peak_mib(), 1),
            "largest_child_peak_rss_mib":
                round(max(self.child_peaks.values(), default=0) / MIB, 1) if sampled else None,
            "children_seen": len(self.child_peaks) if sampled else None,
            "tree_peak_pss_mib": round(self.tree_pss_peak / MIB, 1) if sampled else None,
        }


# --- child processes -------------------------------------------------------------------

def run_json_child(cmd: list[str], *, timeout: float | None = None) -> dict:
    """Run ``cmd`` (a fresh Python process, so peaks do not mix) and parse the JSON it
    prints on its last line of stdout; a failing child raises with its stderr."""
    child = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    if child.returncode:
        raise RuntimeError(f"benchmark child {' '.join(cmd[1:])} failed "
                           f"(exit {child.returncode}):\n{child.stderr}")
    lines = child.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"benchmark child {' '.join(cmd[1:])} printed nothing:\n{child.stderr}")
    return json.loads(lines[-1])


def python_cmd(script: Path, *args: str) -> list[str]:
    return [sys.executable, str(script), *args]
