"""Where a job's time goes: seconds per phase, for results.json's "timings".

A slow job should explain itself (issue 13): the runner times its own phases
with ``Timings``, and ``notebook_timings`` reads the kernel start, each step
and the kernel shutdown from what papermill already records in the executed
notebook (``metadata.papermill`` start/end times and per-cell durations), so
the notebook itself needs no change.

The result is a flat ``{phase: seconds}`` dict of floats (rounded to ms),
e.g. ``{"load": 0.41, "kernel_start": 0.02, "step:读取": 0.6, …, "pdf": 0.3,
"publish": 0.01, "total": 5.2}``; ``benchmarks/bench_batch.py`` prints the
median of each phase over many jobs.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator


class Timings:
    """Wall-clock seconds per named phase of one job (a phase timed twice adds up)."""

    def __init__(self):
        self._t0 = time.perf_counter()
        self._phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t)

    def add(self, name: str, seconds: float) -> None:
        self._phases[name] = self._phases.get(name, 0.0) + max(0.0, float(seconds))

    def update(self, phases: dict[str, float]) -> None:
        for name, seconds in phases.items():
            self.add(name, seconds)

    def as_dict(self) -> dict[str, float]:
        """The phases in the order first seen, plus "total" since creation."""
        out = {k: round(v, 3) for k, v in self._phases.items()}
        out["total"] = round(time.perf_counter() - self._t0, 3)
        return out


def _when(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def notebook_timings(executed: str | Path) -> dict[str, float]:
    """From a notebook papermill executed: "kernel_start" (notebook start to
    first cell start), "step:<papermill_description>" per code cell (cells
    without one: "step:cell <n>"; repeated names add up) and
    "kernel_shutdown" (last cell end to notebook end). Missing records are
    left out; an unreadable notebook gives ``{}``."""
    import nbformat

    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception:
        return {}
    meta = nb.metadata.get("papermill", {})
    out: dict[str, float] = {}
    cells = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
    for n, cell in enumerate(cells, 1):
        pm = cell.metadata["papermill"]
        if isinstance(pm.get("duration"), (int, float)):
            name = "step:" + (cell.metadata.get("papermill_description") or f"cell {n}")
            out[name] = round(out.get(name, 0.0) + pm["duration"], 3)
    start, end = _when(meta.get("start_time")), _when(meta.get("end_time"))
    if cells and start:
        first = _when(cells[0].metadata["papermill"].get("start_time"))
        if first:
            out = {"kernel_start": round((first - start).total_seconds(), 3), **out}
    if cells and end:
        last = _when(cells[-1].metadata["papermill"].get("end_time"))
        if last:
            out["kernel_shutdown"] = round((end - last).total_seconds(), 3)
    return out
