# The executable textbook on recurrent neural networks.
#   make book   set everything up (.venv, Python and npm packages) and build the HTML book and slides
#   make test   install the test extras if missing and run every test (what CI runs)
# `make help` lists every target.

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
PIP        := $(PY) -m pip --disable-pip-version-check
NPM        ?= npm
# Single-threaded BLAS: a few matrix sizes give different last bits with 1 and 2 threads, and strict
# nbval compares every printed digit with the stored outputs.
# LSTM_REF_PROGRESS=0: no training progress bars in notebook outputs (nbval compares every output).
PINNED     := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0 LSTM_REF_PROGRESS=0
NBVAL      := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# -n 2 --dist loadfile: each notebook stays in one worker (plain -n would split its cells).
XDIST      := -n 2 --dist loadfile
NB         ?= notebooks/[0-9][0-9]_*.ipynb

STAMP_LEARN := $(VENV)/.stamp-learner
STAMP_BOOK  := $(VENV)/.stamp-book
STAMP_DEV   := $(VENV)/.stamp-dev
STAMP_LAB   := $(VENV)/.stamp-lab
STAMP_NPM   := node_modules/.stamp-npm

.PHONY: help book test unit nbval build-check execute lab serve figures pdf slides html clean setup setup-dev

help:
	@echo "make book     create .venv if missing, install requirements + lstm_ref, vendor reveal.js/MathJax"
	@echo "              with npm, build the offline HTML book (_build/html) and slides (_build/slides)"
	@echo "make test     install the test extras if missing; unit tests, strict nbval over every notebook,"
	@echo "              build checks and the headless-Chromium test (what .ci/run runs)"
	@echo "make execute  re-execute notebooks in place from a fresh kernel (NB=notebooks/03_x.ipynb for one)"
	@echo "make lab      open JupyterLab for self-study (serves the repository, opens notebooks/)"
	@echo "make serve    serve the built book and slides (_build/) on 127.0.0.1 and print their URLs"
	@echo "make figures  redraw figures/*.svg from tools/draw_figures.py"
	@echo "make pdf      print every slide deck to _build/pdf/*.pdf and the whole book to _build/pdf/book.pdf"
	@echo "make nbval NB=notebooks/03_x.ipynb   strict nbval over some notebooks"
	@echo "make unit / make build-check         only the unit tests / only the build and browser checks"
	@echo "make clean    remove _build/ and caches (keeps .venv and node_modules)"
	@echo "make html / make slides              only the book / only the slides"
	@echo "make lock     regenerate requirements.lock from requirements*.txt (UPGRADE=1: newest releases)"
	@echo "make mutation mutation testing of the non-layer modules (slow; not part of make test; JOBS=2)"
	@echo "make bench    lstm_ref vs PyTorch timings (benchmarks/README.md)"
	@echo "make bench-threads  chapter 09's 1- vs 2-thread timings: adds a session to lstm_ref/data/bench_threads.json"
	@echo "make weights  retrain every shipped model (weights-tang: chapter 08; weights-sentiment: chapter 07)"
	@echo "make experiments  re-run every seed sweep: chapters 02, 05, 06, 09 (SWEEP=lag for one of 05-09's)"
	@echo "make sweep-temporal-order   re-run chapter 02's temporal-order sweep"

# ---------------------------------------------------------------------------------------- set-up
# Every install takes the exact versions of requirements.lock (the learner's and the book's
# requirements are subsets of it); `make lock` regenerates it from the requirements*.txt files.
LOCK       := requirements.lock

$(PY):
	$(PYTHON_SYS) -m venv $(VENV)
	$(PIP) install -c $(LOCK) --upgrade pip

$(STAMP_LEARN): requirements.txt pyproject.toml $(LOCK) | $(PY)
	$(PIP) install -r requirements.txt -c $(LOCK)
	$(PIP) install -e . -c $(LOCK)
	touch $@

$(STAMP_BOOK): requirements-book.txt $(LOCK) $(STAMP_LEARN)
	$(PIP) install -r requirements-book.txt -c $(LOCK)
	touch $@

$(STAMP_DEV): requirements-dev.txt $(LOCK) $(STAMP_BOOK)
	$(PIP) install -r $(LOCK)
	touch $@

# Re-resolve requirements*.txt into requirements.lock: keeps the locked versions that still satisfy
# the requirements; `make lock UPGRADE=1` moves every package to its newest allowed release.
.PHONY: lock
lock: | $(PY)
	$(PY) -c "import piptools" 2>/dev/null || $(PIP) install -c $(LOCK) pip-tools
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	  --no-emit-trusted-host $(if $(UPGRADE),--upgrade) --output-file $(LOCK) requirements-dev.txt

# Listed first where it is a prerequisite, so a missing npm stops the build before the long pip installs.
$(STAMP_NPM): package.json package-lock.json
	@command -v $(NPM) >/dev/null 2>&1 || { echo "npm is missing: install Node.js and npm (Debian/Ubuntu: apt-get install nodejs npm; elsewhere https://nodejs.org), then run make again." >&2; exit 1; }
	$(NPM) ci --no-audit --no-fund
	touch $@

# jupyterlab-rise still requires the JupyterLab 3 extension jupyterlab-mathjax3; JupyterLab 4 has
# MathJax 3 built in, so that extension is disabled (never loaded) rather than left to clash with it.
$(STAMP_LAB): $(STAMP_LEARN)
	$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyterlab/mathjax3-extension
	touch $@

setup: $(STAMP_LEARN) $(STAMP_LAB)
setup-dev: $(STAMP_NPM) $(STAMP_DEV) $(STAMP_LAB)

# ---------------------------------------------------------------------------------------- book
html: $(STAMP_NPM) $(STAMP_BOOK)
	$(PY) tools/build_book.py --book

slides: $(STAMP_NPM) $(STAMP_BOOK)
	$(PY) tools/build_book.py --slides

book: html slides
	@echo
	@echo "Book:   open $(CURDIR)/_build/html/index.html in a browser"
	@echo "Slides: open $(CURDIR)/_build/slides/<chapter>.slides.html (press S for speaker notes)"
	@echo "        or serve them: $(PY) -m http.server -d _build 8000  ->  http://127.0.0.1:8000/html/"

pdf: slides
	$(PY) tools/make_pdf.py

# ---------------------------------------------------------------------------------------- test
test: setup-dev
	$(MAKE) --no-print-directory book
	$(PINNED) $(PY) -m pytest -p no:cacheprovider -rsx $(XDIST) $(NBVAL) tests notebooks

unit: setup-dev
	$(PINNED) $(PY) -m pytest -p no:cacheprovider $(XDIST) tests -m "not build and not browser"

nbval: setup-dev
	$(PINNED) $(PY) -m pytest -p no:cacheprovider $(XDIST) $(NBVAL) $(NB)

build-check: setup-dev
	$(MAKE) --no-print-directory book
	$(PINNED) $(PY) -m pytest -p no:cacheprovider tests/test_build.py tests/test_browser.py

# ---------------------------------------------------------------------------------------- authoring
# A mistyped NB= must not fall back to re-executing every chapter.
execute: $(STAMP_LEARN)
	@test -n "$(wildcard $(NB))" || { echo "make execute: no notebook matches NB=$(NB)" >&2; exit 1; }
	$(PY) tools/execute_notebooks.py $(wildcard $(NB))

# The server's root is the repository, so that the chapters' ../figures/*.svg load; the browser opens
# on notebooks/. JupyterLab refuses to start as root unless told to (containers, CI machines).
# LAB_ARGS adds options (tests/test_lab.py: --no-browser, a random port and token).
LAB_ARGS ?=
lab: $(STAMP_LAB)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.ip=127.0.0.1 \
	  --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks $(LAB_ARGS)

# The built book and slides over HTTP on 127.0.0.1 (PORT=8000 by default).
PORT ?= 8000
serve:
	@test -f _build/html/index.html || { echo "make serve: no book in _build/html: run make book first" >&2; exit 1; }
	@echo "Book:   http://127.0.0.1:$(PORT)/html/index.html"
	@echo "Slides: http://127.0.0.1:$(PORT)/slides/  (one NN_slug.slides.html per chapter)"
	@echo "Ctrl+C stops the server."
	@$(PYTHON_SYS) -m http.server --bind 127.0.0.1 --directory _build $(PORT)

figures: $(STAMP_LEARN)
	$(PY) tools/draw_figures.py

# Mutation testing of the modules outside the layers (tests/README.md): slow, niced, not part of
# `make test`. mutmut copies the package to mutants/, runs [tool.mutmut]'s tests against each mutant.
.PHONY: mutation
mutation: setup-dev
	rm -rf mutants
	$(PINNED) nice -n 10 $(VENV)/bin/mutmut run --max-children $(or $(JOBS),1)
	$(VENV)/bin/mutmut export-cicd-stats
	$(PY) tools/mutation_report.py

# lstm_ref vs torch.nn.LSTM/GRU timings (benchmarks/README.md); e.g. make bench BENCH_ARGS="--threads 2"
.PHONY: bench
bench: setup-dev
	$(PY) benchmarks/bench_layers.py $(BENCH_ARGS)

# What a second core buys chapter 09's LSTM and attention (benchmarks/README.md)
.PHONY: bench-threads
bench-threads: setup-dev
	$(PINNED) $(PY) benchmarks/bench_threads.py $(BENCH_ARGS)

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path "./.venv/*" -not -path "./node_modules/*" -prune -exec rm -rf {} +

# Retrain every shipped model: chapter 08's Tang-poem models and chapter 07's sentiment models.
.PHONY: weights weights-tang weights-tang300 weights-sentiment
weights: weights-tang weights-tang300 weights-sentiment

# Chapter 08: the two-layer Tang-poem LSTM (lstm_ref/data/tang_lstm2.npz and .json; under an hour,
# one core)
weights-tang: $(STAMP_LEARN)
	$(PINNED) nice -n 5 $(PY) scripts/train_tang_model.py

# The small model of the 313 poems of tang300 (lstm_ref/data/tang_lstm.npz and .json; ~1 min)
weights-tang300: $(STAMP_LEARN)
	$(PINNED) $(PY) scripts/train_poem_model.py

# Chapter 07: counting baselines and the (Bi)LSTM search, chosen on validation, scored once on test
# (lstm_ref/data/sentiment_*.npz, sentiment_rnn.json, sentiment_baselines.json; ~45 min, one core)
weights-sentiment: $(STAMP_LEARN)
	$(PINNED) nice -n 10 $(PY) scripts/train_sentiment.py all

# The seed sweeps of chapters 05, 06 and 09 (lstm_ref/course/sweeps.py) -> lstm_ref/data/sweep_*.json,
# and, without SWEEP=, chapter 02's temporal-order sweep too.
.PHONY: experiments
experiments: $(STAMP_LEARN)
	$(PINNED) nice -n 10 $(PY) scripts/run_experiments.py $(SWEEP)
	$(if $(SWEEP),,$(MAKE) --no-print-directory sweep-temporal-order)

# Chapter 02's temporal-order sweep (about 5 minutes): lstm_ref/data/sweep_temporal_order.json
.PHONY: sweep-temporal-order
sweep-temporal-order: $(STAMP_LEARN)
	$(PINNED) nice -n 10 $(PY) scripts/sweep_temporal_order.py
