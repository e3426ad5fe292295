"""Yandex Tracker: approved wish groups become epics, their status comes back through a queue trigger and
polls. See connector.py."""

from connectors.yandex_tracker.connector import YandexTrackerConnector

__all__ = ["YandexTrackerConnector"]
