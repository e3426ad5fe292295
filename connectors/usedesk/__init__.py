"""Usedesk (Юздеск) as a helpdesk: https://api.usedesk.ru/{method}, every call a POST with `api_token` in the
body.

What the connector assumes about Usedesk, and where each assumption comes from:

- `POST /tickets` lists 100 tickets a call, `offset` moving a page at a time, filtered by `updated_after`
  (inclusive, UTC, "YYYY-MM-DD HH:MM") and sorted by `sort=last_updated_at`, `order=asc` (parameters as public
  clients send them); there is no opaque cursor, so the bridge keeps its own (connectors.usedesk.cursor).
- `POST /ticket` answers the ticket with all its comments, tags and additional fields; list fields carry
  option ids, named through `POST /ticket/fields` (connectors.usedesk.fields).
- `POST /create/comment` keeps HTML ("Supports HTML markup", ~64 kB), HTML comments included: the marker
  that makes a message exactly-once rides in one. Not verified against a live account.
- `POST /update/ticket` with `tag` sets the ticket's whole tag list (the bridge always sends the full list).
  The reference does not say whether `tag` replaces or adds; with adding, removed stage tags would stay.
- 150 requests a minute; what Usedesk answers past that is not documented: the client keeps under the limit
  and waits out any 429 by its Retry-After.
- Webhooks carry the channel's `secret` in the body, nothing in headers (connectors.usedesk.webhooks).
"""

from connectors.usedesk.connector import UsedeskConnector

__all__ = ["UsedeskConnector"]
