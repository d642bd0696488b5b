# The README's two set-up commands are `make demo` and `make test`; each does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
STATE := .localcluster
KRAFT_STATE := .localcluster-kraft
SECURE_STATE := .localcluster-secure
SECURE_KRAFT_STATE := .localcluster-secure-kraft
PYTEST_ARGS ?=

.PHONY: secure secure-down secure-kraft secure-kraft-down soak bench-tools help venv tools jars cluster cluster-down cluster-status kraft kraft-down demo test unit lint bench screenshots clean cluster-wipe kraft-status

help:
	@echo "make demo | make test | cluster | cluster-down | cluster-status | kraft | kraft-down | lint | bench | screenshots"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "kafkatui: $(PYTHON) not found; install Python 3.11+"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(VPY) -m pip install -q --disable-pip-version-check -e '.[test,schemas]'
	@touch $(STAMP)

venv: $(STAMP)

# tmux drives the end-to-end tests; install it when missing and we are root.
tools:
	@command -v tmux >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null; \
	  else echo "kafkatui: tmux not found; install it (apt-get install tmux) for the e2e tests"; fi; }

jars:
	$(PYTHON) localcluster/cluster.py fetch
	$(PYTHON) localcluster/cluster.py --kraft fetch

cluster: venv
	$(PYTHON) localcluster/cluster.py --state-dir $(STATE) up
	$(VPY) localcluster/seed.py --state-dir $(STATE)

cluster-down:
	$(PYTHON) localcluster/cluster.py --state-dir $(STATE) down

cluster-status:
	$(PYTHON) localcluster/cluster.py --state-dir $(STATE) status

kraft: venv
	$(PYTHON) localcluster/cluster.py --kraft --state-dir $(KRAFT_STATE) up
	$(VPY) localcluster/seed.py --state-dir $(KRAFT_STATE)

# The secured variant (TLS, SASL, ACLs, ZooKeeper over TLS): writes env.scram, env.mtls, env.oauth.
secure: venv
	$(VPY) localcluster/secure.py --state-dir $(SECURE_STATE) up

secure-down:
	$(PYTHON) localcluster/secure.py --state-dir $(SECURE_STATE) down

# The same, in KRaft (Kafka 4, StandardAuthorizer, no ZooKeeper): writes env.scram, env.mtls, env.oauth.
secure-kraft: venv
	$(VPY) localcluster/secure.py --kraft --state-dir $(SECURE_KRAFT_STATE) up

secure-kraft-down:
	$(PYTHON) localcluster/secure.py --kraft --state-dir $(SECURE_KRAFT_STATE) down

kraft-down:
	$(PYTHON) localcluster/cluster.py --kraft --state-dir $(KRAFT_STATE) down

demo: cluster
	set -a && . $(STATE)/env && set +a && $(VENV)/bin/kafkatui

lint: venv
	$(VENV)/bin/ruff check kafkatui tests bench localcluster

unit: venv
	$(VPY) -m pytest tests/unit -q

test: venv tools lint cluster
	$(VPY) -m pytest -n 2 --dist loadgroup --durations=15 $(PYTEST_ARGS)

# kcat is the metadata floor the scale benchmark compares against.
bench-tools: tools
	@command -v kcat >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && apt-get install -y -qq kcat) >/dev/null; \
	  else echo "kafkatui: kcat not found; install it (apt-get install kcat) for the tool comparison"; fi; }

bench: cluster bench-tools
	$(VPY) -m bench $(BENCH_ARGS)

soak: cluster
	$(VPY) -m bench soak

screenshots: cluster
	$(VPY) -m bench.screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info

cluster-wipe:
	$(PYTHON) localcluster/cluster.py --state-dir $(STATE) wipe

kraft-status:
	$(PYTHON) localcluster/cluster.py --kraft --state-dir $(KRAFT_STATE) status
