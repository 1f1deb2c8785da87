# Every target creates .venv on first use, so each is one command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BACKENDS := tensorflow jax torch
# Two workers per backend (pytest-xdist): Keras traces and fits spend much of
# their time in single-threaded Python. --durations shows where the time goes.
PYTEST_ARGS ?= -n 2 --durations=15
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: install demo test test-tensorflow test-jax test-torch test-cross test-once test-inputs bench leaderboard leaderboard-quick lint clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[all,test]"
	touch $(STAMP)

demo: $(STAMP)
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m recipes.classify --out runs/demo

# The suite once per backend, each in its own process, then the tests whose
# subject does not depend on the backend (file readers, flags, the malformed-input
# catalogue: mark "once") under jax, then the cross-backend save/load check. All
# parts run; the target fails if any of them failed.
PER_BACKEND := not cross_backend and not once
test: $(STAMP)
	@failed=""; \
	for b in $(BACKENDS); do \
	  echo "=== KERAS_BACKEND=$$b ==="; \
	  KERAS_BACKEND=$$b $(PY) -m pytest -m "$(PER_BACKEND)" $(PYTEST_ARGS) || failed="$$failed $$b"; \
	done; \
	echo "=== once (backend-independent) ==="; \
	KERAS_BACKEND=jax $(PY) -m pytest -m once $(PYTEST_ARGS) || failed="$$failed once"; \
	echo "=== cross-backend ==="; \
	$(PY) -m pytest -m cross_backend $(PYTEST_ARGS) || failed="$$failed cross-backend"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; \
	echo "All backends passed."

# One backend's suite (a pattern rule would not apply: these targets are .PHONY)
test-tensorflow test-jax test-torch: $(STAMP)
	KERAS_BACKEND=$(@:test-%=%) $(PY) -m pytest -m "$(PER_BACKEND)" $(PYTEST_ARGS)

test-once: $(STAMP)
	KERAS_BACKEND=jax $(PY) -m pytest -m once $(PYTEST_ARGS)

# The malformed-input catalogue alone (part of test-once): every bad file or
# flag through every recipe is one line and exit status 2, before training.
test-inputs: $(STAMP)
	KERAS_BACKEND=jax $(PY) -m pytest tests/test_input_catalogue.py $(PYTEST_ARGS)

test-cross: $(STAMP)
	$(PY) -m pytest -m cross_backend $(PYTEST_ARGS)

# Zoo models over every dataset aeon ships, beside published results: hours on a
# CPU (leaderboard-quick: minutes). Writes benchmarks/leaderboard.md and .csv.
leaderboard: $(STAMP)
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m recipes.benchmark

leaderboard-quick: $(STAMP)
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m recipes.benchmark --quick

bench: $(STAMP)
	$(PY) -m benchmarks.run

lint: $(STAMP)
	$(PY) -m ruff check zoo recipes tests benchmarks
	$(PY) -m ruff format --check zoo recipes tests benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache

# The suite on the jax backend against Keras's nightly build, in its own venv
# (.venv-keras-next): shows a Keras change that breaks zoo's shortcuts (the
# private Keras API zoo/_fast reads) before it ships. Not part of `make test`;
# ZOO_FAST_PATHS=0 make test-keras-next tells a shortcut's failure from the rest.
KERAS_NEXT := .venv-keras-next/bin/python
.PHONY: test-keras-next
test-keras-next:
	test -f .venv-keras-next/.installed || { \
	  $(PYTHON) -m venv .venv-keras-next && \
	  $(KERAS_NEXT) -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[jax,datasets,test]" && \
	  $(KERAS_NEXT) -m pip uninstall --disable-pip-version-check -q -y keras && \
	  touch .venv-keras-next/.installed; }
	$(KERAS_NEXT) -m pip install --disable-pip-version-check -q --pre -U keras-nightly
	KERAS_BACKEND=jax $(KERAS_NEXT) -c "import keras; print('keras-nightly', keras.__version__)"
	KERAS_BACKEND=jax $(KERAS_NEXT) -m pytest -m "not cross_backend" $(PYTEST_ARGS)
