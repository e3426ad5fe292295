"""The helpdesk plugin: the ticket sidebar (what became of a ticket's wish, beside it, with the agent's actions)
and the product's "Suggest an improvement" form, mounted together by `blueprint`.

Zendesk opens the sidebar through its app's signed request; other helpdesks through a link Wishbridge signs
(`bridge.web.sidebar.links.sidebar_link`)."""

from flask import Blueprint

from bridge.web import product_form
from bridge.web.sidebar.views import blueprint as pages

blueprint = Blueprint("plugin", __name__)
blueprint.register_blueprint(pages)
blueprint.register_blueprint(product_form.blueprint)

__all__ = ["blueprint"]
