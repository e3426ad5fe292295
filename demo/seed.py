"""A realistic, deterministic Zendesk sandbox seed: wishes, bugs and questions in Russian and English over the
topics of mappings/topics.yaml, several customer segments and channels, spread over six months; `usedesk_seed`
turns it into the same tickets for the sandbox Usedesk."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from demo.corpus import BUGS, ORGANIZATIONS, PEOPLE, QUESTIONS, WISHES

TOPIC_FIELD = 360000000001
REQUEST_TYPE_FIELD = 360000000003
CHANNELS = ("email", "web", "api", "chat", "voice")
TOPIC_LABELS = {
    "marking": "Маркировка", "reports": "Отчёты", "integrations": "Интеграции", "edo": "ЭДО", "billing": "Оплата",
    "mobile": "Мобильное приложение",
}
SUBTOPIC_LABELS = {
    "aggregation": "Агрегация", "code_ordering": "Заказ кодов", "withdrawal": "Вывод из оборота",
    "export": "Выгрузка", "dashboards": "Дашборды", "scheduled": "Рассылка по расписанию", "one_c": "1С",
    "api": "API", "marketplaces": "Маркетплейсы", "upd": "УПД", "roaming": "Роуминг", "invoices": "Счета",
    "tariffs": "Тарифы", "scanning": "Сканирование", "offline": "Офлайн-режим",
}


def option(category: str, subcategory: str) -> dict[str, str]:
    return {"name": f"{TOPIC_LABELS[category]}::{SUBTOPIC_LABELS[subcategory]}", "value": f"{category}__{subcategory}"}


def ticket_fields() -> list[dict[str, Any]]:
    topics = [option(category, sub) for category, sub in WISHES]
    return [
        {"id": TOPIC_FIELD, "type": "tagger", "title": "Тема", "custom_field_options": topics},
        {"id": REQUEST_TYPE_FIELD, "type": "tagger", "title": "Request type", "custom_field_options": [
            {"name": "Feature request", "value": "feature_request"}, {"name": "Bug", "value": "bug"},
            {"name": "Question", "value": "question"}]},
    ]


def _people(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    organizations = [
        {"id": 1000 + n, "name": name, "organization_fields": {"tier": tier, "paid_accounts": paid}}
        for n, (name, tier, paid) in enumerate(ORGANIZATIONS)
    ]
    users = []
    for n in range(40):
        language = "ru" if n % 4 else "en"
        name = rng.choice(PEOPLE[language])
        users.append({"id": 5000 + n, "name": name, "email": f"user{n}@example.{'ru' if language == 'ru' else 'com'}",
                      "locale": "ru" if language == "ru" else "en-US",
                      "organization_id": organizations[n % len(organizations)]["id"]})
    return users, organizations


def _ticket(rng: random.Random, number: int, user: dict[str, Any], created: datetime) -> dict[str, Any]:
    language = "ru" if user["locale"] == "ru" else "en"
    kind = rng.choices(("wish", "bug", "question"), weights=(6, 2, 2))[0]
    category, subcategory = rng.choice(list(WISHES))
    if kind == "wish":
        text = rng.choice(WISHES[(category, subcategory)].get(language) or WISHES[(category, subcategory)]["ru"])
        tags, request_type, ticket_type = ["пожелание" if language == "ru" else "wish"], "feature_request", "task"
    else:
        text = rng.choice((BUGS if kind == "bug" else QUESTIONS)[language])
        tags, request_type = [kind], kind
        ticket_type = "incident" if kind == "bug" else "question"
    updated = created + timedelta(hours=rng.randint(1, 72))
    return {
        "id": number, "subject": text, "description": text, "type": ticket_type, "status": "open",
        "tags": tags, "requester_id": user["id"], "submitter_id": user["id"],
        "organization_id": user["organization_id"], "via": {"channel": rng.choice(CHANNELS)},
        "custom_fields": [{"id": TOPIC_FIELD, "value": option(category, subcategory)["value"]},
                          {"id": REQUEST_TYPE_FIELD, "value": request_type}],
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"), "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def demo_seed(count: int = 300, *, today: datetime | None = None, seed: int = 7) -> dict[str, Any]:
    """Zendesk-shaped seed: {ticket_fields, users, organizations, tickets}; tickets oldest first over 26 weeks,
    with demand growing for a few topics so the reports show dynamics."""
    rng = random.Random(seed)
    today = today or datetime.now(UTC).replace(microsecond=0)
    users, organizations = _people(rng)
    start = today - timedelta(weeks=26)
    moments = sorted(start + timedelta(seconds=rng.betavariate(1.6, 1.0) * 26 * 7 * 86400) for _ in range(count))
    tickets = [_ticket(rng, 1 + n, rng.choice(users), moment) for n, moment in enumerate(moments)]
    return {"ticket_fields": ticket_fields(), "users": users, "organizations": organizations, "tickets": tickets}


# The additional fields mappings/usedesk.yaml reads: the nested list "Тема" > "Подтема" and the list "Вид обращения".
USEDESK_TOPIC, USEDESK_SUBTOPIC, USEDESK_KIND = "101", "102", "103"
USEDESK_KINDS = {"feature_request": "Пожелание", "bug": "Ошибка", "question": "Вопрос"}
USEDESK_CHANNELS = {"email": 1, "chat": 2, "web": 3}  # the channel ids mappings/usedesk.yaml names; others: 4
NESTED, LIST = 4, 2  # Usedesk's field types (sandboxes/usedesk.py)


def _usedesk_field(field_id: str, kind: int, name: str, options: dict[str, tuple[str, str | None]],
                   parent: str | None = None) -> dict[str, Any]:
    """A field of the sandbox's `fields`; `options` maps option id -> (text, parent option id)."""
    return {"custom_field": {"id": field_id, "ticket_field_type_id": str(kind), "name": name,
                             "parent_field_id": parent},
            "field_options": [{"id": option, "value": text, "parent_option_id": [above] if above else []}
                              for option, (text, above) in options.items()]}


def usedesk_seed(seed: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(additional fields, `UsedeskSandbox.add_ticket` keyword arguments oldest first) for the tickets of
    `demo_seed`'s Zendesk-shaped `seed`: the same texts, customers, languages, tags, topics and moments."""
    categories = {category: str(1000 + n) for n, category in enumerate(dict.fromkeys(c for c, _ in WISHES), 1)}
    topics = {topic: str(1100 + n) for n, topic in enumerate(WISHES, 1)}
    kinds = {kind: str(1200 + n) for n, kind in enumerate(USEDESK_KINDS, 1)}
    fields = [
        _usedesk_field(USEDESK_TOPIC, NESTED, "Тема", {o: (TOPIC_LABELS[c], None) for c, o in categories.items()}),
        _usedesk_field(USEDESK_SUBTOPIC, NESTED, "Подтема",
                       {o: (SUBTOPIC_LABELS[s], categories[c]) for (c, s), o in topics.items()}, USEDESK_TOPIC),
        _usedesk_field(USEDESK_KIND, LIST, "Вид обращения", {o: (USEDESK_KINDS[k], None) for k, o in kinds.items()}),
    ]
    users = {user["id"]: user for user in seed["users"]}
    tickets = []
    for ticket in seed["tickets"]:
        user = users[ticket["requester_id"]]
        values = {field["id"]: field["value"] for field in ticket["custom_fields"]}
        category, subcategory = values[TOPIC_FIELD].split("__")
        created = datetime.strptime(ticket["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        tickets.append({
            "subject": ticket["subject"], "message": ticket["description"], "client_name": user["name"],
            "client_lang": user["locale"][:2], "email": user["email"], "tags": tuple(ticket["tags"]),
            "ticket_type": ticket["type"], "channel_id": USEDESK_CHANNELS.get(ticket["via"]["channel"], 4),
            "fields": {USEDESK_TOPIC: categories[category], USEDESK_SUBTOPIC: topics[(category, subcategory)],
                       USEDESK_KIND: kinds[values[REQUEST_TYPE_FIELD]]},
            "at": created.timestamp(),
        })
    return fields, tickets
