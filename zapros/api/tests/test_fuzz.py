"""The OpenAPI document is fuzzed against the server: generated requests to every operation,
as staff and as a client, must get no 5xx and no answer the document does not describe.

It writes through the whole stack with every kind of text, NUL characters included, so it
runs in the PostgreSQL pass (which refuses what SQLite would take). Hypothesis is
derandomized, and the number of examples per operation bounds the run to a couple of minutes.
"""

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from zapros.tickets import services

from ..models import ApiToken

pytestmark = [pytest.mark.postgres]

EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def open_connection():
    """Keep the test's database connection through the WSGI calls, as Django's test client
    does: at the end of each request Django would close it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(cast, open_connection):
    """A staff and a client token, and a little of everything for the ids to find."""
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Answer", close=False, note="Note",
                   files=[("a.txt", b"text")])
    cast.open(client=cast.bob)
    return {"staff": ApiToken.issue(cast.admin, "fuzz")[1],
            "client": ApiToken.issue(cast.alice, "fuzz")[1]}


@pytest.mark.parametrize("who", ["staff", "client"])
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, who, tokens):
    # Diagnostics would look up real hosts: the network is not the API's to fuzz.
    settings.ZAPROS_WHOIS_SERVER = settings.ZAPROS_DNS_SERVERS = None
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[who]}"}, checks=CHECKS)


def test_the_fuzzed_document_is_the_served_one(db):
    assert Client().get("/api/v1/openapi.json").json()["paths"].keys() == \
        schema.raw_schema["paths"].keys()
