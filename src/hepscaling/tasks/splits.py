"""Training / validation / test splits shared by every task, all from one seeded shuffle."""

from __future__ import annotations

import numpy as np

from hepscaling.errors import UsageError

__all__ = ["split_indices"]


def split_indices(n_events: int, n_train: int, n_val: int, n_test: int,
                  seed: int) -> dict[str, np.ndarray]:
    """Event indices of the ``"train"``, ``"val"`` and ``"test"`` splits.

    One permutation of ``range(n_events)`` seeded by ``seed``: its first ``n_test`` entries are
    the test set, the next ``n_val`` the validation set, the following ``n_train`` the
    training set. Hence

    - the validation and test sets are fixed: they depend on ``n_events``, ``n_val``,
      ``n_test`` and ``seed``, never on ``n_train`` (D);
    - the training sets are nested: the training set of a larger D starts with that of a
      smaller one (same ``n_events``, ``n_val``, ``n_test`` and ``seed``);
    - the three splits are disjoint, and the same arguments give the same indices.

    Parameters
    ----------
    n_events : events in the dataset.
    n_train, n_val, n_test : sizes of the splits.
    seed : seed of the permutation (``numpy.random.default_rng``).

    Returns
    -------
    ``{"test": ..., "val": ..., "train": ...}``, int64 arrays of shapes ``(n_test,)``,
    ``(n_val,)`` and ``(n_train,)``, in permutation order (not sorted).

    Raises
    ------
    UsageError
        If ``n_train + n_val + n_test > n_events``.
    """
    need = n_train + n_val + n_test
    if need > n_events:
        raise UsageError(f"the dataset has {n_events} events but n_train + n_val + n_test = "
                         f"{need}; lower task.n_train / n_val / n_test or generate more events")
    perm = np.random.default_rng(seed).permutation(n_events)
    return {"test": perm[:n_test], "val": perm[n_test:n_test + n_val],
            "train": perm[n_test + n_val:need]}
