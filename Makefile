# The README's commands. `make run` serves the embedded default; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

NPM := $(shell command -v npm)
# Two pytest workers (pytest-xdist): the suite waits on browsers, subprocesses and WeChat's
# timeouts as much as it computes; each worker has its own MariaDB database and Redis prefix.
# `make test PYTEST_ARGS=` runs it in one process. loadfile keeps each module on one worker, in
# order (the OpenAPI run's last test reads what every operation of its module answered).
PYTEST_ARGS ?= -n 2 --dist loadfile
CONSOLE_SOURCES := $(shell find console/src console/index.html console/vite.config.js console/package.json -type f 2>/dev/null)

.PHONY: run test bench lint format clean console

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP) console
	$(BIN)/kuaixiang run

test: $(STAMP) console
ifneq ($(NPM),)
	cd console && npm test
endif
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The staff console (console/): built when missing or older than its sources, when Node is here.
console:
ifeq ($(NPM),)
	@echo "未找到 Node.js（npm）：工作台 /console/ 未构建，接口照常可用；其浏览器测试将跳过并说明原因"
else
	@$(MAKE) --no-print-directory api/console_dist/index.html
endif

console/node_modules/.package-lock.json: console/package-lock.json
	cd console && npm ci --no-audit --no-fund

api/console_dist/index.html: console/node_modules/.package-lock.json $(CONSOLE_SOURCES)
	cd console && npm run build

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache console/node_modules api/console_dist dist
