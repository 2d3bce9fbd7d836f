"""Property-based check of the whole API against its own OpenAPI document.

schemathesis generates valid and invalid requests for every operation from /api/openapi.json
and sends them to a live server; every answer must be documented, match its schema, and never
be a 5xx. Examples per operation are kept small so the run stays well under a minute.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from paperfeed.accounts.services import token_create  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

EXAMPLES = 15
# Not checked: positive_data_acceptance. OpenAPI cannot say "at most one of date, week and
# month" or "a real calendar day", so some schema-valid requests are rightly refused with 400.


@pytest.fixture
def api_schema(live_server, catalogue, settings):
    settings.PAPERFEED_RATE_API_READ_IP = ""
    settings.PAPERFEED_RATE_API_WRITE_IP = ""
    settings.PAPERFEED_RATE_API_TOKEN = ""
    return schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")


@pytest.fixture
def bearer(api_schema):
    return token_create(user=UserFactory(verified=True), name="schemathesis")


def _check_operation(operation, bearer):
    # schemathesis' pytest plugin does not run under pytest 9 yet, so each operation's case
    # strategy is driven with hypothesis directly.
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {bearer}"},
            checks=[
                checks.not_a_server_error,
                checks.status_code_conformance,
                checks.content_type_conformance,
                checks.response_schema_conformance,
                checks.response_headers_conformance,
                checks.negative_data_rejection,
            ],
        )

    check()


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(api_schema, bearer):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    failures = []
    for operation in operations:
        try:
            _check_operation(operation, bearer)
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
