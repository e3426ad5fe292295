"""The product as a door for wishes: an embeddable "Suggest an improvement" form.

A product page adds `<script src="{WISHBRIDGE_PUBLIC_URL}/embed/suggest.js" data-key="KEY"
data-customer-id="ID" data-language="ru|en" async></script>`; the script puts an iframe of
`/embed/suggest?key=...&customer_id=...&lang=...` where the script stands. That page's form posts to
`POST /api/v1/wishes` (bridge/web/api.py: validation, rate limits per customer, address and key) and shows its
errors in the customer's language. Nothing is loaded from other sites.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from bridge.text.catalogue import LANGUAGES, language_of, translator
from bridge.web.api import FIELD_LIMITS, TEXT_LIMIT
from bridge.web.context import runtime

ENDPOINT = "/api/v1/wishes"
blueprint = Blueprint("product_form", __name__, url_prefix="/embed", template_folder="templates",
                      static_folder="static")


def _known_key(key: str) -> bool:
    keys = runtime().settings["WISHBRIDGE_API_KEYS"]
    return bool(key) and any(hmac.compare_digest(key, known) for known in keys)


@blueprint.get("/suggest.js")
def script() -> ResponseReturnValue:
    response = blueprint.send_static_file("embed.js")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.get("/suggest")
def form() -> ResponseReturnValue:
    """The form, or a clear page (401 bad key, 400 no customer) before the customer types anything."""
    key, customer = request.args.get("key", ""), request.args.get("customer_id", "").strip()
    language = language_of(request.args.get("lang") or request.accept_languages.best_match(LANGUAGES))
    problem = None if _known_key(key) else "bad_key"
    if problem is None and not (customer and len(customer) <= FIELD_LIMITS["customer_id"]):
        problem = "no_customer"
    page = render_template("product_form/suggest.html", _=translator(language), language=language, key=key,
                           customer=customer, problem=problem, text_limit=TEXT_LIMIT,
                           title_limit=FIELD_LIMITS["title"], endpoint=ENDPOINT)
    return page, {None: 200, "bad_key": 401, "no_customer": 400}[problem]


@blueprint.after_request
def embeddable(response: Response) -> Response:
    """Any product site may frame the form; it runs only its own script and talks only to this server."""
    response.headers["Content-Security-Policy"] = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                                                   "connect-src 'self'; form-action 'self'; frame-ancestors *")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
