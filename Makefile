# jupyterstream: run one parameterized notebook over many values with GNU parallel, then collect.
# `make run` runs the demo sweep; `make test` runs the tests; `make help` lists the rest.

NOTEBOOK     ?= notebooks/births.ipynb
VALUES       ?= states.txt
P            ?=
OUTPUT       ?= output
PARAM        ?= state
JOBS         ?=
CELL_TIMEOUT ?= 0
JOB_TIMEOUT  ?= 0
SERVERS      ?=
SERVERS_FILE ?= servers.txt
SSH          ?=
REMOTE_PYTHON ?= python3
RETRIES      ?= 2
SHARED_FS    ?=
STRICT_SERVERS ?=
METRIC_TAG   ?=
WATCH        ?= 5
INPUTS       ?=
FILES_LIMIT  ?= 300MB
MEMORY_LIMIT ?= 0
WARM         ?= 1
BATCH        ?=
FAIL_FAST    ?=
ONLY_GROUP   ?=
SLURM        ?=
NODES        ?= 1
TASKS        ?=
CPUS         ?=
TIME         ?=
PARTITION    ?=
ACCOUNT      ?=
SBATCH       ?=
PYTHON       ?= python3
VENV         ?= .venv
TESTS        ?= tests

JS := $(VENV)/bin/jupyterstream
# VALUES is one file, or several (a grid: every combination) separated by spaces. A name holding
# spaces is taken whole when that file exists; several such names are separated by ' ::: '.
# A VALUES whose first word is ':::' or '::::' is GNU parallel's form instead: the words after ':::'
# are the values themselves, the words after '::::' values files (VALUES='::: AL CA ::: 1990 2000',
# VALUES=':::: states.txt ::: 1990 2000'); words are split at spaces. P='k=2 alpha=0.5' gives
# constants to every job (-p k 2 -p alpha 0.5). VALUES goes last, after '--': a value may start with '-'.
space := $(subst ,, )
quoted_words = '$(subst $(space),' ',$(strip $(1)))'
inline_values = $(filter ::: ::::,$(firstword $(VALUES)))
VALUES_ARGS = $(if $(inline_values),$(call quoted_words,$(VALUES)),$(if \
              $(findstring $(space):::$(space),$(VALUES)),'$(subst $(space):::$(space),' ',$(strip $(VALUES)))',$(if \
              $(shell test -e '$(VALUES)' && echo 1),'$(VALUES)',$(call quoted_words,$(VALUES)))))
CONSTANTS = $(foreach pair,$(P),--set '$(pair)')
SWEEP = '$(NOTEBOOK)' --output '$(OUTPUT)' --param '$(PARAM)' --jobs '$(JOBS)' \
        --cell-timeout '$(or $(CELL_TIMEOUT),0)' --job-timeout '$(or $(JOB_TIMEOUT),0)' \
        --metric-tag '$(METRIC_TAG)' $(if $(call yes,$(WARM)),--warm-kernels,--cold-kernels) $(REMOTE) $(FILES) \
        --fail-fast '$(FAIL_FAST)' --batch '$(or $(BATCH),0)' $(if $(ONLY_GROUP),--only-group '$(ONLY_GROUP)') --slurm '$(or $(SLURM),auto)' $(CONSTANTS) -- $(VALUES_ARGS)
# What make submit asks Slurm for (make preview SLURM=1 shows the batch script it writes).
REQUEST = --nodes '$(or $(NODES),1)' --tasks '$(or $(TASKS),0)' --cpus '$(or $(CPUS),0)' --time '$(TIME)' \
          --partition '$(PARTITION)' --account '$(ACCOUNT)' --sbatch '$(SBATCH)'
yes = $(filter 1 yes true,$(1))
FILES = $(foreach path,$(INPUTS),--inputs '$(path)') --files-limit '$(or $(FILES_LIMIT),0)' \
        --memory-limit '$(or $(MEMORY_LIMIT),0)'
REMOTE = --servers '$(or $(SERVERS),0)' --servers-file '$(SERVERS_FILE)' --ssh '$(SSH)' \
         --remote-python '$(REMOTE_PYTHON)' --retries '$(or $(RETRIES),2)' \
         $(if $(call yes,$(SHARED_FS)),--shared-fs) $(if $(call yes,$(STRICT_SERVERS)),--strict-servers)

.PHONY: help setup tools preview run submit collect watch check-servers inspect test lint bench clean

help: ## Show the targets and the variables they take.
	@echo "make run       run NOTEBOOK over every value in VALUES on this machine, then collect"
	@echo "make preview   print the exact parallel command line and per-job lines; run nothing"
	@echo "make submit    submit the sweep to Slurm as one batch job (NODES=2 TIME=1:00:00 ...); see docs/slurm.md"
	@echo "make collect   collect OUTPUT again: master.ipynb, report.html, metrics.csv, runs.csv, changes.csv"
	@echo "make watch     while a sweep runs: collect OUTPUT every WATCH=$(WATCH) seconds until it is done"
	@echo "make check-servers  check each server in SERVERS_FILE can run NOTEBOOK (one line per host)"
	@echo "make inspect   list NOTEBOOK's parameters (name, type, default, comment) and the environment it reads"
	@echo "make test      install what the tests need (R and its kernel too), lint, and run them"
	@echo "make lint      check the code with ruff (make test runs it first)"
	@echo "make bench     run the speed benchmarks (see benchmarks/README.md)"
	@echo "make clean     remove OUTPUT (the virtual environment stays)"
	@echo
	@echo "Variables (make run NOTEBOOK=my.ipynb VALUES=my.csv JOBS=4 ...):"
	@echo "  NOTEBOOK=$(NOTEBOOK)  VALUES=$(VALUES)  OUTPUT=$(OUTPUT)  PARAM=$(PARAM)"
	@echo "  VALUES='states.txt years.txt' PARAM='state year': a grid, every state with every year"
	@echo "  VALUES='::: AL CA' (the values themselves, as GNU parallel's :::)  P='k=2 alpha=0.5' (given to every job)"
	@echo "  JOBS=$(or $(JOBS),one per core)  CELL_TIMEOUT=$(CELL_TIMEOUT)  JOB_TIMEOUT=$(JOB_TIMEOUT) (seconds; 0: none)"
	@echo "  SERVERS=$(or $(SERVERS),0): use the first N entries of SERVERS_FILE=$(SERVERS_FILE) (0 or empty: this machine)"
	@echo "  SSH='ssh -F my_config'  REMOTE_PYTHON=$(REMOTE_PYTHON)  RETRIES=$(RETRIES)"
	@echo "  SHARED_FS=1 (servers see OUTPUT at the same path)  STRICT_SERVERS=1 (refuse if a server fails the check)"
	@echo "  METRIC_TAG=metric (the last expression of cells tagged so is a metric too)"
	@echo "  INPUTS='data/ ../shared.csv' (what the notebook reads, relative to its folder; default: the files its code names)"
	@echo "  FILES_LIMIT=$(FILES_LIMIT) (most a run may bring home to OUTPUT/files/ID/; 0: no limit)"
	@echo "  MEMORY_LIMIT=$(MEMORY_LIMIT) (e.g. 4G: most memory each run's kernel, and each process it starts, may take; 0: none)"
	@echo "  WARM=$(WARM): 1 forks each kernel from a template with the notebook's imports loaded; 0 starts each afresh"
	@echo "  BATCH=$(or $(BATCH),0): values a job runs, each in its own kernel (0: chosen from their times; 1: one a job)"
	@echo "  FAIL_FAST=3 (start no new job once 3 runs failed in the same failure group; the rest stay missing for the next run)"
	@echo "  ONLY_GROUP=cell-error/KeyError/cell-3 (run again just the values of that failure group: its key is in the summary)"
	@echo "  SLURM=$(or $(SLURM),auto): inside a Slurm allocation each job is a job step (srun); 1 requires one, 0 never"
	@echo "  make submit: NODES=$(NODES) TASKS=$(or $(TASKS),all the nodes' CPUs) CPUS=$(or $(CPUS),1) TIME= PARTITION= ACCOUNT= SBATCH='--mem=8G'"

setup: $(VENV)/.ready tools

$(VENV)/.ready: pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "jupyterstream: '$(PYTHON) -m venv' failed: install Python's venv module (apt-get install python3-venv)" >&2; exit 1; }
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[demo,test,figures]'
	$(VENV)/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (jupyterstream)" >/dev/null
	$(VENV)/bin/python -m bash_kernel.install --sys-prefix >/dev/null
	@touch $@

# Chromium draws the plotly and bokeh charts of the report: installed as root, else the command is said
# and the sweep goes on (those charts' tiles then say it too).
tools:
	@bin/ensure-tools parallel $(if $(filter-out 0,$(SERVERS)),ssh rsync)
	@bin/ensure-tools --optional chromium

preview: setup ## Print the parallel command and per-job lines.
	@$(JS) preview $(REQUEST) $(SWEEP)

# make exits 2 whenever a recipe fails; bin/tell-exit prints the CLI's own code and its meaning first.
run: setup ## Run the sweep, then collect.
	bin/tell-exit $(JS) run $(SWEEP)

submit: setup ## Write OUTPUT/submit.sbatch and submit it with sbatch.
	bin/tell-exit $(JS) submit $(REQUEST) $(SWEEP)

collect: setup ## Collect OUTPUT again.
	bin/tell-exit $(JS) collect --metric-tag '$(METRIC_TAG)' -- '$(OUTPUT)'

watch: setup ## Collect OUTPUT every WATCH seconds while a sweep runs.
	$(JS) collect --metric-tag '$(METRIC_TAG)' --watch '$(WATCH)' -- '$(OUTPUT)'

check-servers: setup ## Check every server before a long sweep.
	$(JS) check-servers '$(NOTEBOOK)' --output '$(OUTPUT)' $(REMOTE) $(FILES)

inspect: setup ## List the notebook's parameters and the environment variables it reads.
	@$(JS) inspect '$(NOTEBOOK)'

test: setup lint
	@bin/ensure-tools parallel sshd rsync chromium irkernel slurm
	$(VENV)/bin/python -m pytest $(TESTS)

lint: setup ## ruff over the package, the tests, the benchmarks and run-one (a second).
	$(VENV)/bin/ruff check jupyterstream tests benchmarks bin/run-one

bench: setup
	$(VENV)/bin/python benchmarks/bench_sweep.py
	$(VENV)/bin/python benchmarks/bench_warm.py

clean:
	rm -rf -- '$(OUTPUT)'
