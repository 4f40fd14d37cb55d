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

from hepscaling.provenance import code_version, environment
from hepscaling.records import atomic_write_text

__all__ = ["RESULTS", "markdown_table", "matmul_peak", "run_meta", "timed_steps",
           "write_results"]

RESULTS = Path(__file__).resolve().parent / "results"


def run_meta() -> dict:
    """Where and when a benchmark ran: ``code_version``, ``environment``,
    ``load_average_1_5_15`` (the machine's load averages now) and ``date_utc``."""
    return {"code_version": code_version(), "environment": environment(),
            "load_average_1_5_15": list(os.getloadavg()),
            "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def matmul_peak(size: int = 1024, repeat: int = 10, dtype: str = "float32") -> float:
    """Best ``torch.mm`` rate of ``size x size`` matrices of ``dtype`` (a torch dtype name,
    e.g. ``"bfloat16"``) over ``repeat`` tries, FLOP per CPU second (torch's current thread
    setting applies)."""
    import torch

    a = torch.randn(size, size, dtype=getattr(torch, dtype))
    b = torch.randn(size, size, dtype=getattr(torch, dtype))
    best = math.inf
    for _ in range(repeat):
        cpu = time.process_time()
        torch.mm(a, b)
        best = min(best, time.process_time() - cpu)
    return 2 * size**3 / best


def timed_steps(step: Callable[[], None], seconds: float) -> tuple[int, float, float]:
    """Call ``step`` twice untimed (warm-up), then at least 3 times and until ``seconds`` of
    process CPU time have passed; returns ``(steps, cpu_seconds, wall_seconds)`` of the timed
    calls."""
    for _ in range(2):
        step()
    steps, wall, cpu = 0, time.perf_counter(), time.process_time()
    while steps < 3 or time.process_time() - cpu < seconds:
        step()
        steps += 1
    return steps, time.process_time() - cpu, time.perf_counter() - wall


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
