# The two set-up commands (README): `make demo` and `make test`. CI runs `make test` via .ci/run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test test-fast lint venv clean bench bench-deps conformance examples fuzz

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

# Generate the SDKs for the embedded default model and run each of them.
demo: venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

# Everything: unit, golden, lint and end-to-end tests in all languages.
# Fails when any test is skipped or none ran: a layer that could not run is a failure.
# The bench extra (torch, CPU use only: PyPI's wheel pulls CUDA libraries, ~5 GB, ~2 min once)
# is part of `make test` too: tests/test_bench_smoke.py runs every benchmark, the PyTorch rows included.
test: venv bench-deps lint
	mkdir -p build
	$(PY) -m pytest tests runtime/python/tests -q -p no:cacheprovider -rfEs --junitxml=build/junit.xml
	$(PY) scripts/check_junit.py build/junit.xml

test-fast: venv
	$(PY) -m pytest tests runtime/python/tests -q -p no:cacheprovider -m "not slow"

lint: venv
	$(VENV)/bin/ruff check generator tests scripts bench runtime/python/tests
	$(VENV)/bin/mypy generator
	# The Python runtime at the generated code's settings (ruff defaults, mypy --strict).
	cd runtime/python && ../../$(VENV)/bin/ruff check --isolated sdkgen_runtime \
		&& ../../$(VENV)/bin/ruff format --isolated --check sdkgen_runtime \
		&& ../../$(VENV)/bin/mypy --strict -p sdkgen_runtime

bench-deps: $(VENV)/.bench-installed

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -e '.[bench]'
	$(PY) -c 'import torch; torch.ones(1) + 1'
	touch $@

# Every benchmark (15-20 min on 2 cores): tables on stdout, bench-results/ (JSON, charts),
# docs/BENCHMARKS.md and docs/bench/ rewritten. Run it on a quiet machine; BENCH_ARGS="--only overhead".
bench: venv bench-deps
	$(PY) -m bench $(BENCH_ARGS)

# `sdkgen check` over the whole ONNX backend node suite in every language; writes docs/conformance.md.
conformance: venv
	$(PY) scripts/conformance.py

# Regenerate the committed example SDKs (examples/ci) after a generator change; CI's
# `sdkgen diff` step fails until they are current.
examples: venv
	cd examples/ci && ../../$(VENV)/bin/sdkgen

# The long property-based fuzz (tests/fuzz/, docs in tests/test_fuzz.py): hostile model signatures
# in batches, one SDK per language per batch, linted, compiled and called. CI runs a fixed corpus.
FUZZ_EXAMPLES ?= 2000
FUZZ_BATCH    ?= 40
fuzz: venv
	$(PY) -m tests.fuzz --examples $(FUZZ_EXAMPLES) --batch $(FUZZ_BATCH) \
		$(if $(FUZZ_MINUTES),--minutes $(FUZZ_MINUTES)) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

clean:
	rm -rf $(VENV) demo-out build dist bench-results
