# The two commands a new user runs: `make demo` and `make test`.
# Both create .venv if missing and install the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean bench jets-study jet-generation-study

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

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/python -m pytest

# Benchmarks (not tests): each writes benchmarks/results/<topic>.json and .md
bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) demo-output $(JETS) $(JETGEN) .pytest_cache
