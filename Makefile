# The two fresh-machine commands (see README): `make demo` and `make test`.
.PHONY: setup demo test test-fast lint bench

setup:
	./scripts/setup.sh

demo: setup
	rm -rf ./demo-data
	.venv/bin/culturebridge --data-dir ./demo-data demo

test: setup
	./scripts/test.sh

lint: setup
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy src tests

# The benchmarks with a quick form; the others take their own options (each script's docstring):
# demo, feed_concurrency, hardening, labels, review_judge (an LLM server), review_learned, soak_memory.
QUICK_BENCHES := audit create feed fingerprint ingest insight localize review rights scale studio

bench: setup
	for b in $(QUICK_BENCHES); do echo "== bench/$$b.py"; .venv/bin/python bench/$$b.py --quick || exit 1; done
