"""``train.compile``: the training forward pass through ``torch.compile``, its cost and failures.

With ``train.compile: true`` the training loop calls the model through ``torch.compile``
(TorchDynamo + Inductor; forward and backward graphs) in its training steps. Evaluations
(validation curves, test metrics) call the plain model: they run a few times per run on
other shapes, in eval mode and without gradients, so each would be one more compilation
(measured 1.2-2 s per graph even on a warm cache, ``benchmarks/bench_sweep_throughput.py
--compile``) against a few milliseconds of forward passes (the demo's MLP 128 x 4: 4 ms for
2000 validation events, 10 ms for 5000 test events, one thread). The weights are the same
objects either way, so checkpoints and state dicts do not change.

Compile time (:class:`CompileClock`): compilation happens lazily in the first training step
(forward, then the backward at the first ``backward()``), so the record's ``compile_time`` is
the wall time of the first step of a run less that of the second; a resumed run adds the
compilation of its new process. ``wall_time`` includes it.

Cache: Inductor keeps compiled kernels and graphs on disk (``TORCHINDUCTOR_CACHE_DIR``, by
default ``<tmp>/torchinductor_<user>``), shared by every process of the user on the machine:
the runs of a sweep after the first load their graphs from it instead of generating code (a
cold compile takes tens of seconds to minutes of CPU; a warm one a few seconds). On a cluster
whose workers have no common temporary directory, point ``TORCHINDUCTOR_CACHE_DIR`` at shared
storage in the workers' environment. Each compiled run starts from
:func:`torch.compiler.reset`, so a worker process running many runs never reaches Dynamo's
recompile limit (beyond which it would silently fall back to eager steps).

Failures: a model family or device torch.compile cannot handle (an unsupported operation, no
C++ compiler for Inductor's CPU kernels, an unsupported Python) stops the run with one
:class:`~hepscaling.errors.UsageError` line naming the fix, ``train.compile=false``
(:func:`compile_errors`), not a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch._dynamo.exc import TorchDynamoException

from hepscaling.errors import UsageError

__all__ = ["CompileClock", "compile_errors", "training_forward"]

#: the advice every compile failure ends with
FIX = "set train.compile=false to train eagerly"


def training_forward(model: nn.Module, enabled: bool) -> Callable[..., torch.Tensor]:
    """What the training steps call: ``model`` itself, or when ``enabled`` the model through
    ``torch.compile`` (after :func:`torch.compiler.reset`, see the module docstring)."""
    if not enabled:
        return model
    torch.compiler.reset()
    try:
        return torch.compile(model)
    except RuntimeError as exc:  # e.g. a Python version Dynamo does not support
        raise UsageError(_message(exc)) from None


@contextmanager
def compile_errors(enabled: bool, family: str) -> Iterator[None]:
    """Turn a failure of ``torch.compile`` while training model ``family`` into one
    :class:`UsageError` line naming the fix (no effect unless ``enabled``)."""
    try:
        yield
    except TorchDynamoException as exc:
        if not enabled:
            raise
        raise UsageError(_message(exc, family)) from None


def _message(exc: Exception, family: str | None = None) -> str:
    """One line: what failed, the first line of torch's reason, the fix."""
    reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if len(reason) > 200:
        reason = reason[:197] + "..."
    where = f" on model family {family!r}" if family else ""
    return f"train.compile: torch.compile failed{where} ({type(exc).__name__}: {reason}); {FIX}"


class CompileClock:
    """Compile time: the first training step's wall time less the second's.

    The loop calls :meth:`start` before and :meth:`stop` after every step; both return at
    once after the second step, or always when not ``enabled`` (eager runs report 0). On CUDA
    they synchronise the device. :attr:`seconds` is the whole first step when the run had
    only one.
    """

    def __init__(self, device: torch.device, enabled: bool) -> None:
        self.device, self.enabled = device, enabled
        self.steps: list[float] = []  # wall seconds of the first (two) steps
        self._started = 0.0

    def _now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    def start(self) -> None:
        if self.enabled and len(self.steps) < 2:
            self._started = self._now()

    def stop(self) -> None:
        if self.enabled and len(self.steps) < 2:
            self.steps.append(self._now() - self._started)

    @property
    def seconds(self) -> float:
        """Compile time in seconds (0 before the first step)."""
        if len(self.steps) < 2:
            return sum(self.steps)
        return max(0.0, self.steps[0] - self.steps[1])
