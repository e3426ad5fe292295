"""Links a connector puts in a ticket (RT, Freshdesk, ...) to open that ticket's sidebar without Zendesk: signed
by Wishbridge for that one ticket and valid for LINK_LIFETIME."""

from __future__ import annotations

from datetime import datetime, timedelta

from bridge.config import Settings
from bridge.model import TicketRef
from bridge.web.sidebar.viewer import Viewer, locale_of, sign

LINK_LIFETIME = timedelta(minutes=15)
LINK = "link"


def sidebar_link(settings: Settings, ref: TicketRef, *, agent: str = "", locale: str = "",
                 now: datetime | None = None) -> str:
    """`{WISHBRIDGE_PUBLIC_URL}/sidebar/t/<token>` opening `ref`'s sidebar for LINK_LIFETIME; with `agent`, actions
    are audited under that name, otherwise the page asks who acts; without `locale` the page speaks the browser's
    language. InvalidSignature without WISHBRIDGE_SECRET_KEY."""
    token = sign(settings["WISHBRIDGE_SECRET_KEY"], LINK, Viewer(ref, agent, locale_of(locale), LINK),
                 LINK_LIFETIME, now)
    return f"{settings['WISHBRIDGE_PUBLIC_URL']}/sidebar/t/{token}"
