# `make demo` and `make test` are all a newcomer needs; both set up the machine first (scripts/install.sh,
# a quick no-op once done).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install demo test bench sim clean

install:
	@scripts/install.sh

demo: install
	$(VENV)/bin/provisioner demo

# three tests at a time (pytest-xdist): the end-to-end tests mostly wait on pages, mail and propagation
test: install
	$(PY) -m pytest -q -n 3 $(PYTEST_ARGS)

# every benchmark in turn (README "Measured here"): tables on the terminal, JSON in bench/out/; about 40 minutes
bench: install
	$(PY) -m bench all

sim: install
	$(VENV)/bin/provisioner sim

clean:
	rm -rf $(VENV) .install-stamp .pytest_cache
