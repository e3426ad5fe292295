"""The sandbox Zendesk's agent view of one ticket (`/agent/tickets/<id>`, the URL the connector stores): the
conversation as the customer sees it, and beside it, as in Zendesk's ticket sidebar, the page a sidebar app
shows. For the demo: no account, no log-in."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from flask import Flask

from sandboxes.zendesk import sandbox_of

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>#{id} {subject} · sandbox Zendesk</title>
<style>body{{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1f2a36;background:#f3f5f7}}
header{{background:#03363d;color:#fff;padding:.6rem 1rem}} main{{display:flex;gap:1rem;padding:1rem;flex-wrap:wrap}}
section{{flex:1 1 420px;background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:1rem}}
aside{{flex:0 1 380px;min-width:300px}} iframe{{width:100%;height:640px;border:1px solid #d8dde3;border-radius:6px;
background:#fff}} .comment{{border-top:1px solid #eef0f2;padding:.6rem 0}} .internal{{background:#fff8e1}}
.meta{{color:#68737d;font-size:.85rem}} .tag{{display:inline-block;background:#e9ebed;border-radius:3px;
padding:0 .4rem;margin:.1rem;font-size:.8rem}}</style></head><body>
<header>sandbox Zendesk · ticket #{id}</header><main><section><h1>{subject}</h1>
<p class="meta">{requester} · {status} · {tags}</p>{comments}</section>{sidebar}</main></body></html>"""


def add_agent_page(app: Flask, sidebar: Callable[[int], str] | None = None) -> None:
    """Serve `/agent/tickets/<id>`; `sidebar(ticket_id)` gives the URL framed beside the conversation."""

    @app.get("/agent/tickets/<int:ticket_id>")
    def agent_ticket(ticket_id: int) -> str:
        sandbox = sandbox_of(app)
        ticket = sandbox.live(ticket_id)
        requester = sandbox.users.get(int(ticket.get("requester_id") or 0), {})
        comments = "".join(
            f'<div class="comment{"" if c.get("public", True) else " internal"}"><div class="meta">'
            f'{escape(sandbox.users.get(int(c.get("author_id") or 0), {}).get("name", "Wishbridge"))} · '
            f'{escape(str(c.get("created_at", "")))}{"" if c.get("public", True) else " · internal note"}</div>'
            f'{escape(str(c.get("body", "")))}</div>'
            for c in sandbox.comments.get(ticket_id, []))
        frame = (f'<aside><iframe title="Wishbridge" src="{escape(sidebar(ticket_id))}"></iframe></aside>'
                 if sidebar else "")
        return PAGE.format(id=ticket_id, subject=escape(str(ticket.get("subject", ""))),
                           requester=escape(requester.get("name", "")), status=escape(str(ticket.get("status"))),
                           tags=" ".join(f'<span class="tag">{escape(t)}</span>' for t in ticket.get("tags", ())),
                           comments=comments, sidebar=frame)
