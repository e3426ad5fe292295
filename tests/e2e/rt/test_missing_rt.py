"""What the `rt_server` fixture does when Request Tracker is not installed."""

import pytest

from tests.e2e.rt.conftest import missing_rt


def test_without_rt_the_tests_are_skipped_locally(monkeypatch):
    monkeypatch.delenv("WISHBRIDGE_REQUIRE_E2E", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        missing_rt()


def test_without_rt_the_tests_fail_when_e2e_is_required(monkeypatch):
    monkeypatch.setenv("WISHBRIDGE_REQUIRE_E2E", "1")
    with pytest.raises(pytest.fail.Exception, match="WISHBRIDGE_REQUIRE_E2E=1"):
        missing_rt()
