# `make demo` and `make test` are all a newcomer needs; both set up the machine first (scripts/install.sh,
# a quick no-op once done).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install demo test sim clean

install:
	@scripts/install.sh

demo: install
	$(VENV)/bin/provisioner demo

# three tests at a time (pytest-xdist): the end-to-end tests mostly wait on pages, mail and propagation
test: install
	$(PY) -m pytest -q -n 3 $(PYTEST_ARGS)

sim: install
	$(VENV)/bin/provisioner sim

clean:
	rm -rf $(VENV) .install-stamp .pytest_cache
