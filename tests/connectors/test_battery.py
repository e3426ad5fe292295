"""The shared helpdesk battery (bridge/testing/helpdesk.py) on every installed helpdesk connector. A connector
with no harness in tests/connectors/harnesses.py fails here on purpose."""

from collections.abc import Iterator

import pytest

from bridge.registry import names_of_role
from bridge.testing.helpdesk import *  # noqa: F403
from bridge.testing.helpdesk import HelpdeskHarness
from tests.connectors.harnesses import HARNESSES


@pytest.fixture(params=names_of_role("helpdesk"))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(name: str) -> Iterator[HelpdeskHarness]:
    factory = HARNESSES.get(name)
    if factory is None:
        pytest.fail(f"helpdesk connector '{name}' is installed but tests/connectors/harnesses.py has no harness "
                    "for it: add one so it runs this battery")
    with factory() as made:
        yield made
