"""Classification metrics of jet taggers: ROC AUC, background rejection, per-class summary.

Plain numpy on host arrays (no scikit-learn): :func:`roc_auc` is the Mann-Whitney statistic
with average ranks for ties, :func:`auc_standard_error` its standard error at a given test size,
:func:`rejection` the background rejection ``1 / eps_B`` at a
fixed signal efficiency, :func:`classification_metrics` the summary the ``jet_tagging`` task
records (accuracy, one-vs-rest AUCs, rejections against QCD in the convention of Particle
Transformer: score ``p_s / (p_s + p_QCD)`` on ``s`` and QCD jets).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["auc_standard_error", "classification_metrics", "rejection", "roc_auc"]


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve = P(score of a positive > score of a negative), ties count 1/2.

    ``scores``: float ``(n,)``; ``positive``: bool ``(n,)``. Mann-Whitney U with average ranks;
    ``nan`` without positives or negatives.
    """
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]  # average ranks, 1-based
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auc_standard_error(auc: float, n_pos: int, n_neg: int) -> float:
    """Standard error of an AUC measured on ``n_pos`` positives and ``n_neg`` negatives
    (Hanley and McNeil 1982, Radiology 143, 29, eq. 2, exponential approximation of ``Q1``,
    ``Q2``). At ``auc = 0.5`` it is the exact null value ``sqrt((n_pos + n_neg + 1) /
    (12 n_pos n_neg))`` of the Mann-Whitney statistic (the floor of indistinguishable samples);
    ``nan`` for an empty class.

    >>> round(auc_standard_error(0.5, 50_000, 50_000), 5)
    0.00183
    """
    if n_pos < 1 or n_neg < 1 or not 0 <= auc <= 1:
        return math.nan
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2)
                + (n_neg - 1) * (q2 - auc**2)) / (n_pos * n_neg)
    return math.sqrt(max(variance, 0.0))


def rejection(signal: np.ndarray, background: np.ndarray, efficiency: float = 0.5) -> float:
    """Background rejection ``1 / eps_B`` at signal efficiency ``efficiency``.

    The threshold ``t`` is the highest score keeping at least ``efficiency`` of the signal
    (``score >= t``); ``eps_B`` is the fraction of ``background`` scores ``>= t``. Returns
    ``inf`` when no background passes, ``nan`` for an empty sample.
    """
    if signal.size == 0 or background.size == 0:
        return math.nan
    keep = math.ceil(efficiency * signal.size)
    threshold = np.sort(signal)[::-1][keep - 1]
    eps_b = float(np.mean(background >= threshold))
    return math.inf if eps_b == 0 else 1.0 / eps_b


def classification_metrics(prob: np.ndarray, label: np.ndarray,
                           classes: tuple[str, ...]) -> dict[str, float]:
    """The metrics of a K-class tagger on ``n`` jets.

    ``prob``: float ``(n, K)`` class probabilities; ``label``: int ``(n,)`` in ``[0, K)``;
    ``classes``: the K JetClass label names (``label_QCD``, ``label_Wqq``, ...).

    Returns ``accuracy`` (argmax), ``auc_<name>`` (one-vs-rest, score ``p_k``) per class with
    ``<name>`` the label without ``label_``, their mean ``auc_macro`` and, if QCD is a class,
    ``rej50_<name>`` for every other class (:func:`rejection` at 50% signal efficiency of
    ``p_s / (p_s + p_QCD)``, signal = class ``s`` jets, background = QCD jets).
    """
    names = [c.removeprefix("label_") for c in classes]
    out = {"accuracy": float(np.mean(prob.argmax(axis=1) == label))}
    aucs = {f"auc_{n}": roc_auc(prob[:, k], label == k) for k, n in enumerate(names)}
    out["auc_macro"] = float(np.mean(list(aucs.values())))
    out.update(aucs)
    if "QCD" in names:
        b = names.index("QCD")
        for s, name in enumerate(names):
            if s == b:
                continue
            score = prob[:, s] / np.maximum(prob[:, s] + prob[:, b], 1e-300)
            out[f"rej50_{name}"] = rejection(score[label == s], score[label == b])
    return out
