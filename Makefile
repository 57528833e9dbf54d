# gan_tf: one command to install and run the demo, one to install and run the tests.
#   make demo    train DCGAN on the packaged MNIST digits (offline), write samples + TensorBoard
#   make test    the test suite (no network)
#   make test-resume   resume exactness of every variant with and without XLA
#   make bench-quick   train-step speed of every variant, XLA vs graph, small sizes (minutes)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_STEPS ?= 2000
DEMO_DIR ?= runs/demo
# Datasets' original archives and the FID Inception weights (make results, bench,
# bench-translation): pass your own.
MANUAL_DIR ?= ../shared/data
INCEPTION_WEIGHTS ?= ../shared/fid_inception/fid_inception_v3_2015_12_05.npz

.PHONY: install install-dev demo test test-long test-resume lint format bench bench-quick bench-toy bench-translation bench-conditional bench-pggan bench-stylegan2 bench-limited-data results study tensorboard clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/python -m gan_tf.experiments.dcgan --dataset=mnist_demo --workdir=$(DEMO_DIR) \
		--train_steps=$(DEMO_STEPS) --sample_every=500 --log_every=100
	@echo "samples: $(DEMO_DIR)/samples/   TensorBoard: $(BIN)/tensorboard --logdir=$(DEMO_DIR)"

# On every core (pytest-xdist); `pytest tests/...` runs a part of it in one process.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not long"

# The tests left out of `make test` for time (marked long: the notebooks but the first, the
# XLA variants of tests the suite runs without it, the other variants of end-to-end command-line
# tests).
test-long: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n auto -m long

# Resume exactness for every variant of the check with XLA on too (the suite: cgan's only).
test-resume: $(VENV)/.installed-dev
	GAN_TF_RESUME_ALL=1 $(BIN)/python -m pytest -n auto tests/training/test_resume.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check gan_tf tests benchmarks
	$(BIN)/ruff format --check gan_tf tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format gan_tf tests benchmarks

# Train-step speed of every variant at its config's size (paper sizes), XLA and graph timed in
# alternating blocks; writes experiments/speed_table.md, linked from experiments/speed.md (50
# minutes on one CPU core, 37 of them StarGAN at 128 px). Pin it for steadier numbers:
# taskset -c 1 make bench.
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.train_speed --out=experiments/speed_table.md

# The same table in minutes (CycleGAN and StarGAN at 64 px), with the PyTorch ratio when torch
# is installed (pip install -e '.[bench]'); writes experiments/speed_quick.md.
bench-quick: $(VENV)/.installed
	$(BIN)/python -m benchmarks.speed_quick --out=experiments/speed_quick.md

bench-toy: $(VENV)/.installed
	$(BIN)/python -m benchmarks.toy_mixture --out=experiments/toy_mixture.md

# Learning proofs of pix2pix, CycleGAN, StarGAN on Fashion-MNIST (about an hour of CPU).
bench-translation: $(VENV)/.installed
	$(BIN)/python benchmarks/translation.py --manual_dir=$(MANUAL_DIR) \
		--out=experiments/translation --nojit_compile

# Learning proof of the class-conditional GANs (CGAN, SNGAN, BigGAN) on Fashion-MNIST 32x32 at
# the same number of real images; writes experiments/conditional.md. Hours of CPU; resumes.
bench-conditional: $(VENV)/.installed
	$(BIN)/python -m benchmarks.conditional --manual_dir=$(MANUAL_DIR) \
		--inception_weights=$(INCEPTION_WEIGHTS)

# PGGAN grown 4 -> 32 vs the same networks trained at 32 from the start vs DCGAN, on MNIST and
# Fashion-MNIST, FID after each resolution (issue 24); writes experiments/pggan_proof.md. About
# 100 minutes of a CPU core per dataset with its evaluations; resumes.
bench-pggan: $(VENV)/.installed
	$(BIN)/python -m benchmarks.pggan --manual_dir=$(MANUAL_DIR) \
		--inception_weights=$(INCEPTION_WEIGHTS)

# StyleGAN2's learning proof: the small preset on Fashion-MNIST 32x32 against DCGAN and
# WGAN-GP at matched images (issue 25); writes experiments/stylegan2_proof.md. About two hours
# of a CPU core with its evaluations; resumes.
bench-stylegan2: $(VENV)/.installed
	$(BIN)/python -m benchmarks.stylegan2 --manual_dir=$(MANUAL_DIR) \
		--inception_weights=$(INCEPTION_WEIGHTS)

# Limited data: DCGAN on 2,000 and 500 Fashion-MNIST images with --augment=none, ada and
# diffaugment at matched images (experiments/limited_data.md); resumes.
bench-limited-data: $(VENV)/.installed
	$(BIN)/python -m benchmarks.limited_data --manual_dir=$(MANUAL_DIR) \
		--inception_weights=$(INCEPTION_WEIGHTS)

# Train and evaluate GAN, DCGAN, WGAN, WGAN-GP, LSGAN, CGAN on MNIST and Fashion-MNIST (FID on
# 10,000 images each); writes experiments/results.md. Hours of CPU; runs resume when repeated.
results: $(VENV)/.installed
	$(BIN)/python -m benchmarks.results_table --manual_dir=$(MANUAL_DIR) \
		--inception_weights=$(INCEPTION_WEIGHTS)

# The large-scale GAN study (Lucic et al. 2018) on MNIST and Fashion-MNIST: the search, the final
# seeds and experiments/study.md (benchmarks/study.py). Hundreds of CPU hours (each run about 3
# hours on one core, see experiments/study.md); repeating it resumes, STUDY_FLAGS passes more
# flags (e.g. --max_runs=1, --losses=ns_gan, --runs_root=...).
STUDY_FLAGS ?=
study: $(VENV)/.installed
	$(BIN)/python -m benchmarks.study --manual_dir=$(MANUAL_DIR) \
		--inception_weights=$(INCEPTION_WEIGHTS) $(STUDY_FLAGS)

tensorboard: $(VENV)/.installed
	$(BIN)/tensorboard --logdir=runs

clean:
	rm -rf $(VENV) runs
