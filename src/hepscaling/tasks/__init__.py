"""Training tasks: data, loss and metrics for the one training loop (see ``tasks.base``)."""

from hepscaling.tasks.base import Task, TaskConfig, build_task, register_task

__all__ = ["Task", "TaskConfig", "build_task", "register_task"]
