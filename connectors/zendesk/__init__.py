"""Zendesk Support as a `Helpdesk` (connector.py), its ticket sidebar app (app.py, app_cli.py) and the signed
request Zendesk sends when it opens that app (sidebar_jwt.py)."""

from connectors.zendesk.connector import PAGE_SIZE, FieldCatalog, ZendeskConnector, signature

__all__ = ["PAGE_SIZE", "FieldCatalog", "ZendeskConnector", "signature"]
