# The two commands a new user runs: `make demo` and `make test`.
# Both create .venv if missing and install the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean bench bench-long jets-study jet-generation-study \
	generators-study amplitudes-study \
	amplitudes-d amplitudes-convergence amplitudes-converged amplitudes-n amplitudes-c \
	amplitudes-losses amplitudes-architectures \
	amplitudes-mup amplitudes-schedules amplitudes-lgatr

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned, so nothing resolves a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hepscaling demo --out demo-output

# The jet-tagging scaling study (~50 min on 2 cores): constituents vs high-level observables
# (AUC ceilings, L(N, D)) and the worth of repeated training data; reports in jets-study/*/report
JETS := jets-study
jets-study: $(STAMP)
	$(BIN)/hepscaling sweep run examples/sweeps/jets_tagging.yaml --out $(JETS)/tagging
	$(BIN)/hepscaling report $(JETS)/tagging --out $(JETS)/tagging/report --law ceiling \
		--metric test_auc_macro
	# the repetition study trains on the same jets: its spec names jets-study/tagging/data/qcdw.h5
	# by path (its provenance checked), so the file is neither copied nor generated again
	$(BIN)/hepscaling sweep run examples/sweeps/jets_repetition.yaml --out $(JETS)/repetition
	$(BIN)/hepscaling report $(JETS)/repetition --out $(JETS)/repetition/report \
		--metric val_loss

# The jet-generation scaling study (~0.8 CPU-hours, ~25 min on 2 idle cores; the full laptop and
# paper-scale knobs are in the spec): a jet GPT on top and QCD jets, loss vs N (fixed D), D (two
# sizes) and C (envelope of the loss curves, in the report), SWD vs loss, the learnable window;
# report in jet-generation-study/report, the fits and correlations printed
JETGEN := jet-generation-study
jet-generation-study: $(STAMP)
	$(BIN)/hepscaling sweep run examples/sweeps/jet_generation.yaml --out $(JETGEN)
	$(BIN)/hepscaling report $(JETGEN) --out $(JETGEN)/report --metric test_loss
	$(BIN)/hepscaling fit $(JETGEN) --law compare --x N --metric test_loss \
		-g config.task.classes -g config.task.n_train
	$(BIN)/hepscaling fit $(JETGEN) --law compare --x D --metric test_loss \
		-g config.task.classes -g config.model.width
	$(BIN)/hepscaling correlate $(JETGEN) --x val_loss --y test_swd -g config.task.classes
	$(BIN)/hepscaling window $(JETGEN) --x N -g config.task.classes -g config.task.n_train
	$(BIN)/hepscaling window $(JETGEN) --x D -g config.task.classes -g config.model.width

# The controlled-precision event-generator study (issue 13; ~1.8 CPU-hours, ~55 min on 2 idle
# cores, estimate in the spec): flow matching per jet multiplicity and an all-multiplicity
# JetGPT on Pythia Z -> mu mu + jets, classifier precision minus its truth-vs-truth floor
# versus D and N; report in generators-study/report, the power laws of the excess printed (the
# largest D or N held out and predicted), per multiplicity and family
GENSTUDY := generators-study
generators-study: $(STAMP)
	$(BIN)/hepscaling sweep run examples/sweeps/generators.yaml --out $(GENSTUDY) --workers 2
	$(BIN)/hepscaling report $(GENSTUDY) --out $(GENSTUDY)/report \
		--metric test_classifier_auc_excess
	# every fit is tried: runs whose excess reached its floor (<= 0) are left out of their
	# group's power law and named (how many, at which D or N); a group that cannot be fitted
	# says why, and the others still run
	for m in auc log_w_std; do for x in D N; do \
		$(BIN)/hepscaling fit $(GENSTUDY) --law power --x $$x --holdout 1 \
			--metric test_classifier_$${m}_excess; \
		for k in 1 2 3; do $(BIN)/hepscaling fit $(GENSTUDY) --law power --x $$x --holdout 1 \
			--metric test_classifier_$${m}_excess_$${k}j; done; done; done

# The amplitude-surrogate scaling study (arXiv:2601.13308), every part of issue 14: D, N and C
# scaling over the study's processes, MSE vs heteroscedastic loss with pulls, MLP vs LLoCa,
# muP width x lr, schedules, intrinsic dimension; ~1.7 h of training on 2 idle cores plus the
# reports (minutes each) at SCALE=1 (benchmarks/results/amplitude_study.md; each part alone:
# make amplitudes-d, ...; times in each spec). SCALE=F grows D, N, steps and budgets by the
# specs' scale knob (e.g. SCALE=30 on a GPU); another SCALE needs another AMP directory, e.g.
# make amplitudes-study SCALE=30 AMP=amplitudes-study-x30. Reports in $(AMP)/<part>/report
# (grouped by process explicitly: N differs between processes at one width, which would
# otherwise merge them along N). CONVERGE=S trains the D and N parts to convergence: each point
# climbs its steps x 4 up to S steps (converge: in the spec; hours per run at D >= 1e4 here).
AMP ?= amplitudes-study
SCALE ?= 1
CONVERGE ?=
AMP_SPECS := examples/sweeps/amplitudes
AMP_RUN = $(BIN)/hepscaling sweep run --set scale.factor=$(SCALE)
AMP_LADDER = $(if $(CONVERGE),--set converge.max_steps=$(CONVERGE))
TTH := "u u~ > t t~ h"
amplitudes-study: amplitudes-d amplitudes-convergence amplitudes-n amplitudes-c \
	amplitudes-losses amplitudes-architectures amplitudes-mup amplitudes-schedules

amplitudes-d: $(STAMP)
	$(AMP_RUN) $(AMP_LADDER) $(AMP_SPECS)/d_scaling.yaml --out $(AMP)/d_scaling
	$(BIN)/hepscaling report $(AMP)/d_scaling --out $(AMP)/d_scaling/report -g config.task.dataset
	# the answer the study exists for: D for 1% and 0.1% RMS precision on t t~ h, with the
	# hold-out check (fit D <= 1e4, predict the runs at D = 1e5)
	$(BIN)/hepscaling predict $(AMP)/d_scaling --process $(TTH) --rel-precision 0.01
	$(BIN)/hepscaling predict $(AMP)/d_scaling --process $(TTH) --rel-precision 0.001

# the D law of runs trained to convergence: each D climbs 1500 -> 96000 steps until converged
# (optional, not in amplitudes-study: up to 50 min)
amplitudes-converged: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/d_converged.yaml --out $(AMP)/d_converged
	$(BIN)/hepscaling report $(AMP)/d_converged --out $(AMP)/d_converged/report \
		-g config.task.dataset

# is part 1 converged? L versus steps (1500 to 96000) per process and D
amplitudes-convergence: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/convergence.yaml --out $(AMP)/convergence
	$(BIN)/hepscaling report $(AMP)/convergence --out $(AMP)/convergence/report \
		-g config.task.dataset -g config.task.n_train

amplitudes-n: $(STAMP)
	$(AMP_RUN) $(AMP_LADDER) $(AMP_SPECS)/n_scaling.yaml --out $(AMP)/n_scaling
	$(BIN)/hepscaling report $(AMP)/n_scaling --out $(AMP)/n_scaling/report -g config.task.dataset
	$(BIN)/hepscaling predict $(AMP)/n_scaling --process $(TTH) --axis N --rel-precision 0.01

amplitudes-c: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/isoflop.yaml --out $(AMP)/isoflop
	$(BIN)/hepscaling report $(AMP)/isoflop --out $(AMP)/isoflop/report -g config.model.width
	# C for 1% at each width with >= 4 budgets; the last line names the width of the lowest C
	# (a point of the frontier) or says it lies at the edge of the widths, as the report does
	$(BIN)/hepscaling predict $(AMP)/isoflop --axis C -g config.model.width --rel-precision 0.01

amplitudes-losses: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/losses.yaml --out $(AMP)/losses
	$(BIN)/hepscaling report $(AMP)/losses --out $(AMP)/losses/report \
		-g config.task.dataset -g config.loss

amplitudes-architectures: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/architectures.yaml --out $(AMP)/architectures
	$(BIN)/hepscaling report $(AMP)/architectures --out $(AMP)/architectures/report \
		-g config.task.dataset -g config.model.family

amplitudes-mup: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/mup.yaml --out $(AMP)/mup
	# 20 groups (family x lr x D) along N: 50 bootstrap replicates keep the fits to minutes
	$(BIN)/hepscaling report $(AMP)/mup --out $(AMP)/mup/report --bootstrap 50

amplitudes-schedules: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/schedules.yaml --out $(AMP)/schedules
	$(BIN)/hepscaling report $(AMP)/schedules --out $(AMP)/schedules/report \
		-g config.train.schedule -g config.train.schedule_scale

# optional (~25 min on 2 idle cores, far less on a GPU): L-GATr on u u~ > z g g g
amplitudes-lgatr: $(STAMP)
	$(AMP_RUN) $(AMP_SPECS)/lgatr.yaml --out $(AMP)/lgatr
	$(BIN)/hepscaling report $(AMP)/lgatr --out $(AMP)/lgatr/report

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/python -m pytest

# Benchmarks (not tests): each writes benchmarks/results/<topic>.json and .md. `bench` runs
# those of minutes; `bench-long` the two that run sweeps (the bf16 equality sweep, about an
# hour, and the amplitude-study runtime estimate, about 15 min).
LONG_BENCH := benchmarks/bench_precision_sweep.py benchmarks/bench_amplitude_study.py
bench: $(STAMP)
	for script in $(filter-out $(LONG_BENCH),$(wildcard benchmarks/bench_*.py)); do \
		$(BIN)/python $$script || exit 1; done

bench-long: $(STAMP)
	for script in $(LONG_BENCH); do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) demo-output $(JETS) $(JETGEN) $(AMP) .pytest_cache
