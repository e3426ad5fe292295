"""The ticket sidebar: what became of a ticket's wish, shown beside it in the helpdesk, with the agent's actions.
Zendesk opens it through its app's signed request; other helpdesks through a link Wishbridge signs
(`bridge.sidebar.links.sidebar_link`)."""

from bridge.sidebar.views import blueprint

__all__ = ["blueprint"]
