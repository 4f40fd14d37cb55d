"""Jet tagging: multi-class classification of boosted jets (the jet-tagger scaling task).

Data: a jet file of :mod:`hepscaling.data.jets` (``hepscaling jets generate``), or real
JetClass ROOT files (``dataset`` ending in ``.root``, may be a glob pattern such as
``JetClass/val_5M/*_000.root``; read with :func:`hepscaling.data.jetclass.read_jetclass`).
Classes: the JetClass labels listed in ``classes`` (full ``label_Wqq`` or short ``Wqq`` names,
class index = position in the list), by default every label present in the file in JetClass
order; jets of other labels are dropped. Splits: :func:`~hepscaling.tasks.splits.split_indices`
over the kept jets, so the test and validation sets never depend on D and the training set of a
larger D contains that of a smaller one; repeating a fixed D for several epochs is recorded by
the training loop (``epochs`` in the run record).

Inputs, chosen by the model's ``input_kind``:

- ``"constituents"`` (family ``part``): float32 ``(n, P, 5 + F)``; channel 0 the mask, 1-4 the
  constituent ``(E, px, py, pz)`` in GeV, ``5:`` the :data:`PARTICLE_INPUTS` (F = 13: JetClass's
  kinematic and particle-identification inputs without track impact parameters), the
  continuous ones standardised with the mean and std of the real constituents of the training
  set; padded slots are zero. ``P`` = the file's padding or ``max_particles``.
- ``"high_level"`` (family ``hl_dense``) or ``"invariants"`` (families ``mlp``, ``mlp_mup``):
  float32 ``(n, H)``, the observables named in ``high_level`` (keys of
  :data:`hepscaling.physics.jets.observables.OBSERVABLES`), standardised on the training set.

Config (``task:`` section)::

    kind: jet_tagging
    dataset: data/jets.h5   # jet HDF5, or JetClass .root file(s) (a glob pattern is allowed)
    n_train: 10000          # D: the first D jets after test and validation
    n_val: 5000             # fixed validation set
    n_test: 20000           # fixed test set
    split_seed: 0           # seed of the one shuffle defining all splits
    classes: null           # e.g. [QCD, Wqq, Tbqq]; default: every label in the file
    max_particles: null     # constituent input: keep the leading ones (default: the file's
                            #   padding; 128 for ROOT files, which are read whole)
    high_level: [log_pt, eta, mass, sdmass, tau21, tau32, tau43, n_particles, n_charged,
                 ptd, girth, lead_pt_frac]

Loss: cross-entropy of the logits (``loss: cross_entropy``). Metrics
(:meth:`JetTaggingTask.evaluate`): ``loss``, ``accuracy``; one-vs-rest ROC AUC per class
``auc_<name>`` (score = softmax probability of the class) and their mean ``auc_macro``; with
QCD among the classes, for every other class ``s`` the background rejection ``rej50_<s>`` =
1 / eps_B at 50% signal efficiency of the score ``p_s / (p_s + p_QCD)`` on ``s`` and QCD jets
(:func:`~hepscaling.metrics.roc.rejection`; ``inf`` if no QCD jet passes).
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
import torch
from pydantic import Field, field_validator

from hepscaling.data.jets import LABELS, label_name
from hepscaling.data.preprocessing import standardize
from hepscaling.errors import UsageError
from hepscaling.metrics.roc import classification_metrics
from hepscaling.models.base import InputKind, InputsSpec, Model
from hepscaling.physics.jets.observables import OBSERVABLE_FIELDS, OBSERVABLES, jet_observables
from hepscaling.tasks.base import Split, Task, TaskConfig, peek_cache, register_task
from hepscaling.tasks.losses import cross_entropy
from hepscaling.tasks.splits import split_indices

__all__ = ["CONTINUOUS_INPUTS", "FLAG_INPUTS", "PARTICLE_INPUTS", "JetTaggingConfig",
           "JetTaggingTask"]

#: Per-particle input features after the four-momentum (JetClass's ``pf_features`` without
#: the track impact parameters): the continuous ones are standardised, the flags (charge and
#: particle identification) kept as they are.
CONTINUOUS_INPUTS: tuple[str, ...] = (
    "part_deta", "part_dphi", "part_pt_log", "part_e_log", "part_logptrel", "part_logerel",
    "part_deltaR",
)
FLAG_INPUTS: tuple[str, ...] = (
    "part_charge", "part_isChargedHadron", "part_isNeutralHadron", "part_isPhoton",
    "part_isElectron", "part_isMuon",
)
PARTICLE_INPUTS: tuple[str, ...] = CONTINUOUS_INPUTS + FLAG_INPUTS
_P4 = ("part_energy", "part_px", "part_py", "part_pz")
_PAIR_BUDGET = 2**21  # evaluation batches of constituents hold at most this many jet x P^2


class JetTaggingConfig(TaskConfig):
    """``task:`` section of ``jet_tagging`` (see the module docstring)."""

    LOSSES: ClassVar[tuple[str, ...]] = ("cross_entropy",)

    kind: Literal["jet_tagging"] = "jet_tagging"
    dataset: str = Field(description="jet HDF5 file, or JetClass .root file(s) / glob")
    n_train: int = Field(10000, ge=2, description="D: training jets")
    n_val: int = Field(5000, gt=0, description="validation jets (fixed)")
    n_test: int = Field(20000, gt=0, description="test jets (fixed)")
    split_seed: int = Field(0, ge=0, description="seed of the one shuffle defining all splits")
    classes: tuple[str, ...] | None = Field(None, description="labels to keep, e.g. [QCD, Wqq]")
    max_particles: int | None = Field(None, gt=0, description="constituents kept (by pT)")
    high_level: tuple[str, ...] = Field(tuple(OBSERVABLES), description="observables to use")

    @field_validator("classes")
    @classmethod
    def _classes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        names = tuple(label_name(v) for v in value)
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError(f"need at least two distinct classes, got {list(value)}")
        return names

    @field_validator("high_level")
    @classmethod
    def _high_level(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in OBSERVABLES]
        if unknown or not value:
            raise ValueError(f"unknown high-level observable(s) {unknown}; choose from "
                             f"{', '.join(OBSERVABLES)}")
        return value


def _root_files(pattern: str) -> list[str]:
    files = sorted(glob.glob(pattern))
    if not files:
        raise UsageError(f"no JetClass file matches task.dataset = {pattern!r}; check the path")
    return files


def _read(cfg: JetTaggingConfig, fields: tuple[str, ...],
          truncate: bool = True) -> dict[str, np.ndarray]:
    """The arrays ``fields`` (+ ``label``) of the whole dataset; with ``truncate`` only the
    leading ``cfg.max_particles`` constituents."""
    if cfg.dataset.endswith(".root"):
        from hepscaling.data.jetclass import read_jetclass

        arrays = read_jetclass(_root_files(cfg.dataset),
                               max_particles=max(cfg.max_particles or 0, 128))
    else:
        from hepscaling.data.jets import read_jets

        arrays = read_jets(cfg.dataset, fields=(*fields, "label"))
    if truncate and cfg.max_particles is not None:
        arrays = {k: v[:, :cfg.max_particles] if k.startswith("part_") else v
                  for k, v in arrays.items()}
    return arrays


@peek_cache
def _peek(cfg: JetTaggingConfig) -> tuple[tuple[str, ...], int]:
    """Class names and constituent slots P of ``cfg``'s dataset (HDF5: reads the labels and
    one row; ROOT: reads the files)."""
    if cfg.dataset.endswith(".root"):
        arrays = _read(cfg, ("part_mask",))
        labels, width = arrays["label"], arrays["part_mask"].shape[1]
    else:
        from hepscaling.data.jets import read_jets

        labels = read_jets(cfg.dataset, fields=("label",))["label"]
        width = read_jets(cfg.dataset, fields=("part_mask",), rows=slice(0, 1))["part_mask"]
        width = min(width.shape[1], cfg.max_particles or width.shape[1])
    present = tuple(LABELS[i] for i in np.unique(labels))
    classes = cfg.classes or present
    absent = [c.removeprefix("label_") for c in classes if c not in present]
    if absent:
        raise UsageError(f"{cfg.dataset} has no {', '.join(absent)} jets; drop them from "
                         f"task.classes (the file has {', '.join(present)})")
    if len(classes) < 2:
        raise UsageError(f"{cfg.dataset} holds only {', '.join(classes)}; a tagger needs at "
                         "least two classes (generate e.g. --classes qcd,w)")
    return classes, width


def _files(dataset: str) -> list[str]:
    """The files of ``task.dataset`` (one HDF5 file or the ROOT files of a glob pattern)."""
    files = _root_files(dataset) if dataset.endswith(".root") else [dataset]
    for path in files:
        if not Path(path).is_file():
            raise UsageError(f"jet file not found: {path} (check task.dataset)")
    return files


@register_task("jet_tagging", JetTaggingConfig)
class JetTaggingTask(Task):
    """Jet classification; inputs and integer labels held on ``device`` as tensors."""

    auto_precision = "bf16"  # class probabilities tolerate bfloat16 steps (float32 weights)

    @classmethod
    def spec_from_config(cls, cfg: JetTaggingConfig, loss: str) -> InputsSpec:
        classes, width = _peek(cfg, _files(cfg.dataset))
        return InputsSpec(n_outputs=len(classes), n_features=len(cfg.high_level),
                          n_particles=width, n_particle_features=len(PARTICLE_INPUTS))

    def __init__(self, cfg: JetTaggingConfig, *, loss: str, input_kind: InputKind,
                 device: torch.device) -> None:
        if loss != "cross_entropy":
            raise UsageError(f"task jet_tagging trains with loss: cross_entropy, got loss: "
                             f"{loss}; set loss: cross_entropy")
        if input_kind not in ("constituents", "high_level", "invariants"):
            raise UsageError(f"task jet_tagging offers constituents (family part) and "
                             f"high-level inputs (hl_dense, mlp, mlp_mup), not {input_kind!r}; "
                             "choose one of these model families")
        self.cfg, self.device, self.input_kind = cfg, device, input_kind
        self.inputs_spec = self.spec_from_config(cfg, loss)
        self.classes = _peek(cfg, _files(cfg.dataset))[0]
        self.n_train = cfg.n_train
        fields = (OBSERVABLE_FIELDS if input_kind != "constituents"
                  else ("part_mask", *_P4, *PARTICLE_INPUTS))
        arrays = _read(cfg, fields, truncate=input_kind == "constituents")
        codes = np.full(len(LABELS), -1)
        codes[[LABELS.index(c) for c in self.classes]] = np.arange(len(self.classes))
        target = codes[arrays["label"]]
        kept = np.flatnonzero(target >= 0)
        index = {s: kept[i] for s, i in split_indices(kept.size, cfg.n_train, cfg.n_val,
                                                     cfg.n_test, cfg.split_seed).items()}
        self._y = {s: self.tensor(target[i], torch.long) for s, i in index.items()}
        if input_kind == "constituents":
            self._x = self._constituents(arrays, index)
        else:
            feats = {s: jet_observables({k: v[i] for k, v in arrays.items()}, cfg.high_level)
                     for s, i in index.items()}
            self._x = {s: self.tensor(standardize(f, feats["train"])[0])
                       for s, f in feats.items()}

    def _constituents(self, arrays: dict[str, np.ndarray],
                      index: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
        """Per split float32 ``(n, P, 5 + F)``: mask, four-momentum (GeV), features."""
        mask_train = arrays["part_mask"][index["train"]]
        cont = np.stack([arrays[k][index["train"]][mask_train]
                         for k in CONTINUOUS_INPUTS], axis=1)  # (n_real, n_continuous)
        _, mean, std = standardize(cont[:1], cont)
        out = {}
        for split, i in index.items():
            mask = arrays["part_mask"][i]
            x = np.zeros((i.size, mask.shape[1], 5 + len(PARTICLE_INPUTS)), dtype=np.float32)
            x[..., 0] = mask
            for c, name in enumerate(_P4):
                x[..., 1 + c] = arrays[name][i]
            scaled = [(arrays[name][i] - mean[c]) / std[c]
                      for c, name in enumerate(CONTINUOUS_INPUTS)]
            flags = [arrays[name][i] for name in FLAG_INPUTS]
            for c, value in enumerate(scaled + flags):  # in PARTICLE_INPUTS order
                x[..., 5 + c] = np.where(mask, value, 0.0)
            out[split] = self.tensor(x)
        return out

    def train_batch(self, index: torch.Tensor,
                    generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs of ``index`` (``(B, P, 5 + F)`` or ``(B, H)``) and int64 labels ``(B,)``."""
        return self._x["train"].index_select(0, index), self._y["train"].index_select(0, index)

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of logits ``(B, n_classes)`` against int64 labels ``(B,)``."""
        return cross_entropy(output, target)

    def inputs(self, split: Split | Literal["train"]) -> torch.Tensor:
        """Inputs of a whole split: ``(n, P, 5 + F)`` constituents or ``(n, H)`` observables."""
        return self._x[split]

    def predict(self, model: Model, split: Split | Literal["train"],
                batch_size: int = 8192) -> torch.Tensor:
        """Logits on a whole split, float32 ``(n, n_classes)``, in eval mode (constituent
        batches are capped so that the pair features stay within memory)."""
        x = self._x[split]
        if x.ndim == 3:
            batch_size = max(1, min(batch_size, _PAIR_BUDGET // x.shape[1] ** 2))
        return super().predict(model, split, batch_size)

    @torch.no_grad()
    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """Metrics on ``split`` (see the module docstring); one host sync."""
        log_prob = torch.log_softmax(self.predict(model, split, batch_size).double(), dim=1)
        both = torch.cat([log_prob, self._y[split][:, None].double()], dim=1).cpu().numpy()
        log_prob, y = both[:, :-1], both[:, -1].astype(np.int64)
        loss = -float(np.mean(log_prob[np.arange(y.size), y]))  # cross-entropy
        return {"loss": loss, **classification_metrics(np.exp(log_prob), y, self.classes)}
