"""What the benchmark scripts share: run metadata, timing, markdown tables, result files.

Every ``benchmarks/bench_<topic>.py`` builds one JSON-able result and renders its markdown
summary from that result alone (so the table can be redrawn from the stored JSON), then calls
:func:`write_results`, which writes ``benchmarks/results/<topic>.json`` and ``<topic>.md``.
Import this module after a script's thread limits are set (it imports hepscaling, not torch).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hepscaling.provenance import code_version, environment
from hepscaling.records import atomic_write_text

__all__ = ["RESULTS", "device_clock", "markdown_table", "matmul_peak", "run_meta",
           "synchronize", "timed_steps", "write_results"]

if TYPE_CHECKING:
    import torch

RESULTS = Path(__file__).resolve().parent / "results"


def run_meta() -> dict:
    """Where and when a benchmark ran: ``code_version``, ``environment``,
    ``load_average_1_5_15`` (the machine's load averages now) and ``date_utc``."""
    return {"code_version": code_version(), "environment": environment(),
            "load_average_1_5_15": list(os.getloadavg()),
            "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def device_clock(device: str | torch.device = "cpu") -> Callable[[], float]:
    """The clock of rates on ``device`` (a torch device or its name): process CPU time on the
    CPU (waiting for a core that other jobs share does not count), wall time on a CUDA GPU
    (read after :func:`synchronize`: the GPU works while the host waits)."""
    import torch

    return time.perf_counter if torch.device(device).type == "cuda" else time.process_time


def synchronize(device: str | torch.device = "cpu") -> None:
    """Wait until ``device`` has finished the work queued on it: CUDA kernels run
    asynchronously; a no-op on the CPU."""
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(size: int = 1024, repeat: int = 10, dtype: str = "float32",
                device: str | torch.device = "cpu") -> float:
    """Best ``torch.mm`` rate of ``size x size`` matrices of ``dtype`` (a torch dtype name,
    e.g. ``"bfloat16"``) on ``device`` over ``repeat`` tries, FLOP per second of
    :func:`device_clock` (CPU seconds on the CPU, where torch's current thread setting
    applies)."""
    import torch

    a = torch.randn(size, size, dtype=getattr(torch, dtype), device=device)
    b = torch.randn(size, size, dtype=getattr(torch, dtype), device=device)
    clock, best = device_clock(device), math.inf
    for _ in range(repeat):
        synchronize(device)
        start = clock()
        torch.mm(a, b)
        synchronize(device)
        best = min(best, clock() - start)
    return 2 * size**3 / best


def timed_steps(step: Callable[[], None], seconds: float,
                device: str | torch.device = "cpu") -> tuple[int, float, float]:
    """Call ``step`` twice untimed (warm-up), then at least 3 times and until ``seconds`` of
    :func:`device_clock` time have passed; returns ``(steps, clock_seconds, wall_seconds)`` of
    the timed calls (clock = process CPU time on the CPU, synchronised wall time on CUDA)."""
    for _ in range(2):
        step()
    clock = device_clock(device)
    synchronize(device)
    steps, wall, start = 0, time.perf_counter(), clock()
    while steps < 3 or clock() - start < seconds:
        step()
        steps += 1
    synchronize(device)  # the steps still queued on a GPU count
    return steps, clock() - start, time.perf_counter() - wall


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]],
                   align: str | None = None) -> list[str]:
    """Lines of a markdown table: the ``header`` cells, an alignment row and one line per row
    of (already formatted) cells; ``align`` has one letter per column, ``l`` (``---``) or
    ``r`` (``---:``), default all ``l``."""
    align = align or "l" * len(header)
    if len(align) != len(header) or set(align) - {"l", "r"}:
        raise ValueError(f"align {align!r} needs one of l / r per column ({len(header)})")

    def line(cells: Sequence[str]) -> str:
        return f"| {' | '.join(cells)} |"

    rule = "|".join("---:" if a == "r" else "---" for a in align)
    return [line(header), f"|{rule}|", *(line(cells) for cells in rows)]


def write_results(topic: str, result: dict, markdown: str, results: Path = RESULTS) -> None:
    """Write ``result`` to ``results/<topic>.json`` (indented, final newline) and ``markdown``
    to ``results/<topic>.md``, each atomically; creates ``results`` if needed."""
    results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(results / f"{topic}.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(results / f"{topic}.md", markdown)


#: CPU seconds per timed part of a pipeline (:func:`cpu_timed`); a benchmark clears it per run
CPU: defaultdict[str, float] = defaultdict(float)
#: events Pythia produced through :class:`TimedPythia`
EVENTS: defaultdict[str, int] = defaultdict(int)


def cpu_timed(part: str, function: Callable) -> Callable:
    """``function`` adding its process CPU time to ``CPU[part]`` on every call."""
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            CPU[part] += time.process_time() - start
    return timed


class TimedPythia:
    """Forwards to a Pythia instance, timing ``nextBatch`` (``CPU["pythia_events"]``) and
    counting its events (``EVENTS["events"]``)."""

    def __init__(self, pythia) -> None:
        self._pythia = pythia

    def nextBatch(self, n: int):
        batch = cpu_timed("pythia_events", self._pythia.nextBatch)(n)
        EVENTS["events"] += len(batch)
        return batch

    def __getattr__(self, name: str):
        return getattr(self._pythia, name)
