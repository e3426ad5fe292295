"""Jira Cloud and Jira Server/Data Center as a `Tracker`: the client (client.py), the description markup
(description.py), webhooks (events.py) and the port itself (tracker.py)."""

from connectors.jira.tracker import JiraConnector

__all__ = ["JiraConnector"]
