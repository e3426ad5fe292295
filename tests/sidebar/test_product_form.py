"""The embeddable "Suggest an improvement" form: its script, its page and its clear refusals."""


import re

import pytest
from markupsafe import escape

from bridge.runtime import Runtime
from bridge.text.catalogue import translate
from bridge.web.app import create_app

KEY = "product-key-1"


@pytest.fixture
def client(settings):
    return create_app(runtime=Runtime(settings.replace(WISHBRIDGE_API_KEYS=KEY))).test_client()


def test_the_embed_script_puts_an_iframe_of_the_form_with_the_key_and_customer(client):
    response = client.get("/embed/suggest.js")
    script = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert '"/embed/suggest?"' in script
    for attribute in ("data-key", "data-customer-id", "data-language"):
        assert attribute in script


def test_the_form_page_carries_what_its_script_needs_and_loads_nothing_from_elsewhere(client):
    response = client.get(f"/embed/suggest?key={KEY}&customer_id=acc-42&lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-endpoint="/api/v1/wishes"' in page and 'data-customer-id="acc-42"' in page
    assert 'maxlength="5000"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "no third-party assets"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "frame-ancestors *" in policy


def test_the_form_speaks_russian_when_asked(client):
    page = client.get(f"/embed/suggest?key={KEY}&customer_id=acc-42&lang=ru-RU").get_data(as_text=True)
    assert "Предложить улучшение" in page and 'lang="ru"' in page


@pytest.mark.parametrize("query, status, text", [
    ("key=wrong&customer_id=acc-42", 401, translate("form.bad_key", "en")),
    ("customer_id=acc-42", 401, translate("form.bad_key", "en")),
    (f"key={KEY}", 400, translate("form.no_customer", "en")),
    (f"key={KEY}&customer_id={'x' * 121}", 400, translate("form.no_customer", "en")),
])
def test_a_bad_key_or_missing_customer_is_explained_before_anyone_types(client, query, status, text):
    response = client.get(f"/embed/suggest?{query}&lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert str(escape(text)) in page and "<form" not in page
