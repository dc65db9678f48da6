# Zapros: `make run` to try it, `make test` to check it. See README.md.

PORT ?= 8000
ARGS ?=
PY := .venv/bin/python
LOCALES := --locale en --locale ru
IGNORE := --ignore .venv --ignore var --ignore test-artifacts --ignore build

.PHONY: run test venv lint migrations-check messages collectstatic

run:
	@PORT=$(PORT) exec bash scripts/run.sh

test: venv
	@bash scripts/test.sh $(ARGS)

venv:
	@bash scripts/venv.sh

lint: venv
	.venv/bin/ruff check .

migrations-check: venv
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Extract the translatable strings into zapros/locale/*/LC_MESSAGES/django.po and compile them.
messages: venv
	DEBUG=1 $(PY) manage.py makemessages $(LOCALES) $(IGNORE) --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages $(LOCALES) $(IGNORE)

# Production static files (hashed names, compressed) into STATIC_ROOT. collectstatic reads no
# secret, but the settings insist on one outside DEBUG.
collectstatic: venv
	SECRET_KEY="$${SECRET_KEY:-collectstatic}" $(PY) manage.py collectstatic --noinput
