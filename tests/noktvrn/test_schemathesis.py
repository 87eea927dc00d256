"""Schemathesis against the OpenAPI schema: no 5xx, and every answer documented in the schema.

Every operation of `/api/schema/` gets a few generated requests (valid and invalid), sent
through the whole WSGI stack, as a superuser (token) and anonymously. Bounded so the suite
stays fast; run more by hand with SCHEMATHESIS_MAX_EXAMPLES=200 when changing the API.
(Schemathesis' own pytest plugin does not load under pytest 9, hence the loop over operations.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.factories import ReleaseFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance]


@pytest.fixture
def api_schema(db):
    """The schema, served by the WSGI app itself.

    Like Django's test client, the requests must not close the test's database connection
    at the end of each request (the test runs inside one transaction).
    """
    from noktvrn.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(schema, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30, "the schema should list every API operation"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc).strip()[:600]}")
    return failures


def test_api_as_superuser(api_schema):
    RunFactory(status="awaiting_review")
    ReleaseFactory()
    token = Token.objects.create(user=UserFactory(is_superuser=True, is_staff=True)).key
    failures = _fuzz(api_schema, {"Authorization": f"Token {token}"})
    assert not failures, "\n\n".join(failures)


def test_api_anonymous(api_schema):
    failures = _fuzz(api_schema, {})
    assert not failures, "\n\n".join(failures)
