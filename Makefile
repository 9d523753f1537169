# `make demo` and `make test` are all a newcomer needs; both set up the machine first (scripts/install.sh,
# a quick no-op once done).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install demo test sim clean

install:
	@scripts/install.sh

demo: install
	$(VENV)/bin/provisioner demo

test: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

sim: install
	$(VENV)/bin/provisioner sim

clean:
	rm -rf $(VENV) .install-stamp .pytest_cache
