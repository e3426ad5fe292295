"""The shared tracker battery (bridge/testing/tracker.py) on every installed tracker connector. A tracker with no
harness below fails here on purpose."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from bridge.registry import names_of_role
from bridge.testing.tracker import *  # noqa: F403
from bridge.testing.tracker import TrackerHarness
from tests.connectors.tracker_harness_jira import jira
from tests.connectors.tracker_harness_yandex import yandex_tracker

HARNESSES: dict[str, Callable[[], AbstractContextManager[TrackerHarness]]] = {
    "jira": jira, "yandex_tracker": yandex_tracker}


@pytest.fixture(params=names_of_role("tracker"))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(name: str) -> Iterator[TrackerHarness]:
    factory = HARNESSES.get(name)
    if factory is None:
        pytest.fail(f"tracker connector '{name}' is installed but has no harness in {__name__}")
    with factory() as made:
        yield made
