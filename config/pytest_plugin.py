"""Loaded by pytest before Django starts (see pyproject): the environment tests run in."""

import os

os.environ.setdefault("SECRET_KEY", "zapros-tests-only")
os.environ.setdefault("HUEY_IMMEDIATE", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("STATIC_MANIFEST", "0")
# The tests' Dovecot and SMTP servers listen on the loopback address.
os.environ.setdefault("ZAPROS_MAIL_ALLOWED_NETWORKS", "127.0.0.1")
# Fixtures open many requests for one client in a moment; the tests of the opening limits set
# their own.
os.environ.setdefault("ZAPROS_OPEN_LIMIT", "0")
os.environ.setdefault("ZAPROS_OPEN_ADDRESS_LIMIT", "0")
