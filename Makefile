# Two commands matter (see README.md): `make course` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# setuptools announces every editable install of this package with a warning ("Editable installation.
# Please be careful with folders ... with the same name as your package"): information about this
# project's own layout, which pip prints as a BuildBackendWarning. Only that message is silenced.
EDITABLE := PYTHONWARNINGS="ignore:Editable installation"

.PHONY: course test setup setup-test browser sandbox hub hub-deps lint lectures release bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.course: pyproject.toml | $(BIN)/python
	$(EDITABLE) $(BIN)/python -m pip install --quiet -e ".[course]"
	$(BIN)/python -m ovptools.course.instructor lab-settings >/dev/null
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.course
	$(EDITABLE) $(BIN)/python -m pip install --quiet -e ".[course,test,site]"
	touch $@

$(VENV)/.site: pyproject.toml $(VENV)/.course
	$(EDITABLE) $(BIN)/python -m pip install --quiet -e ".[site]"
	touch $@

setup: $(VENV)/.course
setup-test: $(VENV)/.test

# $(call apt_get,COMMAND,PACKAGE,WHAT): install Debian's PACKAGE unless COMMAND exists (as root, or with sudo);
# elsewhere say what is missing (WHAT).
apt_get = if command -v $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); \
	elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); \
	else echo "$(2) is not installed and cannot be installed here: $(3)"; fi

## Debian's Chromium for the browser test (Playwright cannot download its own browser here).
browser:
	@$(call apt_get,chromium,chromium,the browser test will be skipped)

## Debian's bubblewrap, the grading sandbox of `ovp-instructor autograde` and `ovp-check`. Without it
## autograde refuses to grade (unless --unsafe-no-sandbox) and the sandbox tests are skipped.
sandbox:
	@$(call apt_get,bwrap,bubblewrap,autograding needs it (or --unsafe-no-sandbox))

## The class server's packages (Debian, as root; see hub/README.md): nodejs, npm, configurable-http-proxy,
## postgresql, and jupyterhub with the PostgreSQL driver in the venv. Without root it says what is missing.
hub-deps: setup sandbox
	sh hub/setup.sh $(VENV)

## Start the class server here: the gradebook's PostgreSQL, then JupyterHub on 127.0.0.1:8000 (as root),
## e.g. `make hub OVP_HUB_STUDENTS=ada,bob OVP_HUB_INSTRUCTORS=eve` (system users). hub/stop.sh stops both.
hub: hub-deps
	VENV=$(VENV) sh hub/start.sh

## Open the course in JupyterLab, in your own copy my-course/ (ignored by git, brought up to date with
## course/ each time, keeping your edits), on the course index: the URL it prints opens README.md.
## nbgrader's instructor tools are hidden; the student's check is `ovp-check` (see course/README.md).
course: setup
	$(BIN)/python -m ovptools.course.studentlab

## Lint, then run every test (the command CI runs): in parallel workers with one BLAS/torch thread
## each, in groups that keep an expensive fixture on one worker (a file, or one assignment's graded
## class or one lecture; see tests/conftest.py), the longest first; then the browser test and the
## class on JupyterHub end to end (tests/test_hub.py: system users, PostgreSQL, Chromium; skipped
## without root) side by side, on an otherwise idle machine, since they wait on kernels and redraws.
test: setup-test browser sandbox hub-deps lint
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 3 --dist loadgroup --no-loadscope-reorder -m "not browser and not hub"
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "browser or hub"

## ruff on everything; pyright (basic mode, [tool.pyright] in pyproject.toml) on the package.
lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/pyright

## The course as a static website in site/ (Sphinx with myst-nb: the notebooks' saved outputs, nothing
## executed; MathJax served from the site). Open site/index.html, or publish site/ (README.md says how).
.PHONY: site
site: $(VENV)/.site
	$(BIN)/python site_src/build.py --out site

## Re-execute every lecture notebook in place (they are committed with their outputs).
lectures: setup
	$(BIN)/ovp-instructor lectures

## Regenerate the student versions in course/assignments/ from solutions/source/.
release: setup
	$(BIN)/ovp-instructor release

bench: setup-test
	$(BIN)/python benchmarks/bench_gram.py
	$(BIN)/python benchmarks/bench_ntk.py
	$(BIN)/python benchmarks/bench_widgets.py
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_autograde.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
