"""How much memory a run may use, and how much the engine needs for one block.

The available memory is the smallest of three limits: the machine's available
memory, what the process's control group leaves (a container's limit: cgroup
v2 ``memory.max`` or v1 ``memory.limit_in_bytes``, read for the process's own
group from ``/proc/self/cgroup`` and every group above it, not only the root),
and the address-space limit (``ulimit -v``, ``RLIMIT_AS``) less what the
process already maps.  Unknown limits are left out; ``None`` when none is known.

The engine's working memory for one block (:func:`engine_bytes_per_block`) is a
formula in the scenario's size, fitted to peaks measured with ``tracemalloc``
(every numpy allocation) on generated scenarios of 3 to 40 actors and 2 to 20
issues: about ``51·A³ + 36·A²·I`` bytes per world (``A`` actors, ``I``
issues), from the responders' values along every proposer's segments (§9 of
docs/model.md), plus a few KiB of per-world state; the resident memory
(``ru_maxrss``) grows by the same amount (570 MiB for 1,024 worlds of 20 actors
and 10 issues, 2.3 GiB for a block).  Two things raise it: the sweep views of
the fixed point (a cut copy of the round's state and strategies for the
worlds not yet converged, docs/model.md §8: about 1.35 times the peak
without them) and truce drafting (a plan per number of conditions, §15:
about twice again on the baseline).  The estimate adds three quarters on
top, doubles it for a scenario with ``talks.truce_drafting``, and is checked
to bound the measured peak in ``tests/run/test_resources.py``.  A block
that would not fit is refused with the number of workers that would fit, or
advice to use a smaller ``block_size`` (it changes no run's result: each world
draws by its own index, docs/model.md "Random numbers").
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import SimulationError
from .seeding import BLOCK_SIZE

__all__ = ["MEMORY_SHARE", "available_memory", "check_engine_memory", "engine_bytes_per_block",
           "size_text"]

#: A run may use at most this share of the available memory: the rest is
#: headroom for the chunks in flight, the per-run table and the user's session.
MEMORY_SHARE = 0.8
#: Bytes per world of the engine, per actor³, per actor²·issue and fixed (see the module doc).
CUBIC_BYTES, SQUARE_ISSUE_BYTES, FIXED_BYTES = 51, 36, 8 * 1024
#: Margin over the fitted formula: the measured peaks lay within 15 % of it, and
#: the sweep views of the fixed point raised them to up to 1.56 times it.
ENGINE_MARGIN = 1.75
#: Truce drafting plans the truce once per number of conditions: the baseline's
#: peak is about 2.5 times the formula with it.
DRAFTING_FACTOR = 2.0
#: What a worker process holds before it simulates anything (Python, numpy,
#: scipy, pandas, numba: about 280 MiB of resident memory measured).
WORKER_BASE_BYTES = 300 * 2**20
_NO_LIMIT = 2**60  # cgroup v1 writes "no limit" as a huge number
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def size_text(n_bytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024 or unit == "TiB":
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return ""  # unreachable


# --- the engine's working memory ------------------------------------------------------

def engine_bytes_per_block(scenario, size: int = BLOCK_SIZE) -> int:
    """Estimated peak bytes the engine allocates to simulate ``size`` worlds of ``scenario``."""
    a, i = len(scenario.actors), len(scenario.issues)
    per_world = CUBIC_BYTES * a**3 + SQUARE_ISSUE_BYTES * a**2 * i + FIXED_BYTES
    talks = getattr(scenario, "talks", None)
    drafting = DRAFTING_FACTOR if talks is not None and talks.truce_drafting is not None else 1.0
    return int(ENGINE_MARGIN * drafting * per_world * size)


def check_engine_memory(scenarios, concurrent: int, *, available: int | None,
                        address_space: int | None, block_size: int = BLOCK_SIZE) -> None:
    """Refuse a run whose ``concurrent`` blocks in flight would not fit in memory.

    ``available`` is the memory all processes share (machine, control group),
    ``address_space`` what one process may still map (``RLIMIT_AS``); ``None``
    means unknown, and skips that part of the check.
    """
    scenario = max(scenarios, key=engine_bytes_per_block)
    per_block = engine_bytes_per_block(scenario, block_size)
    size = (f"a block of {block_size:,} worlds of {scenario.name} ({len(scenario.actors)} actors, "
            f"{len(scenario.issues)} issues) needs about {size_text(per_block)} of working memory")
    if address_space is not None and per_block > address_space:
        raise SimulationError(f"{size}, but the address-space limit (ulimit -v) leaves "
                              f"{size_text(address_space)}; raise the limit, use a smaller "
                              "block_size (it changes no run's result), or simulate a "
                              "scenario with fewer actors or issues")
    if available is None:
        return
    per_worker = per_block + (WORKER_BASE_BYTES if concurrent > 1 else 0)
    if concurrent * per_worker <= MEMORY_SHARE * available:
        return
    fits = int(MEMORY_SHARE * available // (per_block + WORKER_BASE_BYTES))
    advice = (f"use --workers {fits} (workers={fits})" if fits >= 1 else
              "use a smaller block_size (it changes no run's result), a machine with more "
              "memory, or a scenario with fewer actors or issues")
    raise SimulationError(f"{size} per worker, {size_text(concurrent * per_worker)} for "
                          f"{concurrent} at once, but only {size_text(available)} of memory is "
                          f"available; {advice}")


# --- the available memory ---------------------------------------------------------------

def available_memory() -> int | None:
    """Bytes this process may still allocate (see the module doc); ``None`` if unknown."""
    limits = [m for m in (machine_available(), cgroup_available(), address_space_available())
              if m is not None]
    return min(limits) if limits else None


def shared_memory() -> int | None:
    """Bytes all the run's processes may still allocate together: machine and control group."""
    limits = [m for m in (machine_available(), cgroup_available()) if m is not None]
    return min(limits) if limits else None


def machine_available() -> int | None:
    try:
        import psutil
    except ImportError:
        return meminfo_available()
    return int(psutil.virtual_memory().available)


def meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def address_space_available() -> int | None:
    """``RLIMIT_AS`` less the address space already mapped; ``None`` without a limit."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    return max(soft - _mapped_bytes(), 0)


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import psutil
    except ImportError:
        return 0
    return int(psutil.Process().memory_info().vms)


def cgroup_available(proc_cgroup: Path | None = None, root: Path | None = None) -> int | None:
    """What the process's control groups (v1 or v2, its own and those above) leave."""
    proc_cgroup = PROC_CGROUP if proc_cgroup is None else proc_cgroup
    root = CGROUP_ROOT if root is None else root
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = ["0::/"]  # unknown: look at the root of a v2 mount
    found = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            found += [_v2_available(d) for d in _groups(root, path)]
        elif "memory" in controllers.split(","):
            found += [_v1_available(d) for d in _groups(root / controllers, path)]
    found = [m for m in found if m is not None]
    return min(found) if found else None


def _groups(mount: Path, path: str) -> list[Path]:
    """The group's folder and every folder above it up to the mount (those that exist:
    inside a container the mount often shows the container's own group as its root)."""
    parts = [p for p in path.strip().split("/") if p and p not in (".", "..")]
    folders = [mount.joinpath(*parts[:k]) for k in range(len(parts), -1, -1)]
    return [f for f in folders if f.is_dir()]


def _v2_available(folder: Path) -> int | None:
    return _left(folder, "memory.max", "memory.current", "inactive_file")


def _v1_available(folder: Path) -> int | None:
    return _left(folder, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")


def _left(folder: Path, limit_file: str, usage_file: str, reclaimable_key: str) -> int | None:
    # the limit less the use, of which the inactive file cache can be reclaimed
    try:
        limit = (folder / limit_file).read_text(encoding="ascii").strip()
        if limit == "max" or int(limit) >= _NO_LIMIT:
            return None
        used = int((folder / usage_file).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    try:
        lines = (folder / "memory.stat").read_text(encoding="ascii").splitlines()
        stat = dict(line.split() for line in lines if line.count(" ") == 1)
        reclaimable = int(stat.get(reclaimable_key, stat.get("inactive_file", 0)))
    except (OSError, ValueError):
        reclaimable = 0
    return max(int(limit) - used + reclaimable, 0)
