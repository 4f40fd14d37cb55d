"""The jet_generation task: splits and tokens, loss masking, metrics, training through the loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers.jet_generation import MODEL, SETTINGS, T, toy_config
from helpers.jet_samples import write_session_jets
from hepscaling.errors import UsageError
from hepscaling.models.base import build_model
from hepscaling.tasks.generation import JetGenerationConfig, JetGenerationTask
from hepscaling.train.loop import run_training


@pytest.fixture(scope="module")
def jets_h5(tmp_path_factory):
    """120 QCD and 120 W Pythia jets in a jet file."""
    return write_session_jets(tmp_path_factory.mktemp("jets") / "jets.h5")


def make_task(path, **cfg) -> JetGenerationTask:
    config = JetGenerationConfig(dataset=str(path), **{**SETTINGS, **cfg})
    return JetGenerationTask(config, loss="cross_entropy", input_kind="tokens",
                             device=torch.device("cpu"))


def test_tokens_splits_and_spec(jets_h5):
    task = make_task(jets_h5)
    tok = task.tokenizer
    assert task.inputs_spec.vocab_size == tok.vocab_size == 1203
    assert task.inputs_spec.n_particles == T + 1
    assert {s: t.shape for s, t in task.tokens.items()} == {
        "train": (140, T + 2), "val": (40, T + 2), "test": (60, T + 2)}
    refit = type(tok)("coarse", max_constituents=T).fit(task.jets["train"])
    np.testing.assert_array_equal(refit.centroids[0], tok.centroids[0])  # train split only
    x, y = task.train_batch(torch.arange(4), torch.Generator())
    assert x.shape == y.shape == (4, T + 1)
    assert (x[:, 0] == tok.start).all() and not (y == tok.start).any()
    torch.testing.assert_close(x[:, 1:], y[:, :-1])


def test_loss_masks_padding_and_counts_stop(jets_h5):
    task = make_task(jets_h5)
    tok = task.tokenizer
    _, y = task.train_batch(torch.arange(8), torch.Generator())
    logits = torch.randn(8, T + 1, tok.vocab_size, generator=torch.Generator().manual_seed(0))
    log_p = torch.log_softmax(logits, -1).gather(-1, y[..., None])[..., 0]
    real = y != tok.pad
    assert (y == tok.stop).sum() == 8 and real.sum() == (y == tok.stop).sum() + (
        (y < tok.start).sum())
    torch.testing.assert_close(task.loss(logits, y), -log_p[real].mean())
    changed = logits.masked_fill(~real[..., None], 50.0)
    torch.testing.assert_close(task.loss(changed, y), task.loss(logits, y))


def test_evaluate_and_final_metrics_of_an_untrained_model(jets_h5):
    task = make_task(jets_h5)
    torch.manual_seed(0)
    model = build_model(MODEL, task.inputs_spec)
    val = task.evaluate(model, "val")
    n_targets = int((task.tokens["val"][:, 1:] != task.tokenizer.pad).sum())
    assert val["nll_per_jet"] == pytest.approx(val["loss"] * n_targets / 40)
    numbers, hists = task.final_metrics(model, "test")
    assert numbers["baseline_uniform"] == pytest.approx(math.log(1201))
    assert numbers["baseline_unigram"] < numbers["baseline_uniform"]
    assert numbers["n_params_total"] == model.n_params() > model.n_params_scaling()
    for name in ("swd", "swd_truth", "swd_tokenization", "w1_mass", "w1_tau32_truth"):
        assert np.isfinite(numbers[name]) and numbers[name] >= 0
    assert numbers["swd"] > numbers["swd_truth"]  # an untrained model is far from the truth
    assert len(hists["position_loss"]["counts"]) == T + 1
    assert sum(hists["truth_mass"]["counts"]) <= 60
    assert hists["tokenizer_part_pt_log"]["edges"] == task.tokenizer.edges[0].tolist()


def test_trains_through_the_loop(jets_h5, tmp_path):
    record = run_training(toy_config(jets_h5), tmp_path / "run", progress=False, threads=1)
    assert record.status == "done"
    val = record.curves["val_loss"]
    assert val[-1] < val[0] < record.metrics["test_baseline_uniform"]
    assert record.metrics["test_swd"] >= 0 and "test_position_loss" in record.histograms


def test_bad_config(jets_h5):
    with pytest.raises(ValueError, match="unknown observable"):
        JetGenerationConfig(dataset=str(jets_h5), observables=("mass", "width"))
    with pytest.raises(ValueError, match="unknown tokenizer grid"):
        JetGenerationConfig(dataset=str(jets_h5), tokenizer="huge")
    with pytest.raises(UsageError, match="jet_gpt"):
        JetGenerationTask(JetGenerationConfig(dataset=str(jets_h5), **SETTINGS),
                          loss="cross_entropy", input_kind="momenta", device=torch.device("cpu"))
