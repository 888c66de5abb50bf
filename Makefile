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

bench: setup
	for b in bench/*.py; do echo "== $$b"; .venv/bin/python $$b --quick || exit 1; done
