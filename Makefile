# Steward: every target creates the virtualenv and installs what it needs by itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_WS ?= demo-workspace

.PHONY: run test test-ahead lint bench dist screenshots translations clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Steward needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.11"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m steward --demo

lint: $(STAMP)
	$(VENV)/bin/ruff check steward tests benchmarks
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m pytest

# The whole suite with Steward's clock a year ahead: nothing may depend on today's date.
test-ahead: $(STAMP)
	STEWARD_CLOCK_OFFSET_DAYS=365 QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

dist: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m steward.ui.selftest --screenshots docs/screenshots

# Refresh resources/i18n/steward_<lang>.ts from the tr()/translate() calls in steward/ui (a
# translator edits the .ts, e.g. in pyside6-linguist), then build the .qm files the app loads;
# then the core's gettext catalogue (steward.language): extract _() and N_() from steward (not
# steward/ui) into steward.pot, update each resources/i18n/<lang>/LC_MESSAGES/steward.po (the
# translator edits that) and compile its .mo.
LANGS ?= cy
translations: $(STAMP)
	@for lang in $(LANGS); do \
	  $(VENV)/bin/pyside6-lupdate -silent -locations none $$(find steward/ui -name '*.py' | sort) \
	    -ts resources/i18n/steward_$$lang.ts && \
	  $(VENV)/bin/pyside6-lrelease -silent resources/i18n/steward_$$lang.ts \
	    -qm resources/i18n/steward_$$lang.qm || exit 1; \
	done
	$(VENV)/bin/pybabel -q extract --no-default-keywords -k _ -k N_ --no-location --no-wrap \
	  --sort-output --ignore-dirs=ui --project=Steward -o resources/i18n/steward.pot steward
	@for lang in $(LANGS); do \
	  $(VENV)/bin/pybabel -q update -D steward -i resources/i18n/steward.pot -d resources/i18n \
	    -l $$lang --no-fuzzy-matching --ignore-obsolete --init-missing --no-wrap && \
	  $(VENV)/bin/pybabel -q compile -D steward -d resources/i18n -l $$lang || exit 1; \
	done

clean:
	rm -rf build dist $(DEMO_WS) benchmarks/.cache
