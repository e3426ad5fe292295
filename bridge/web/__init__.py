"""The web layer: the app factory (app.py), webhooks, the wishes API, the admin pages (admin/), the ticket
sidebar (sidebar/) and the product form (product_form/). It reaches the store through workflow commands and
read models."""
