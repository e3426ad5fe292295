"""The store's tables (SQLAlchemy Core). Alembic migrations in migrations/ create exactly these.

Vocabulary: a *ticket* is anything that came through a door (a helpdesk ticket, a manual entry, a product
submission); a *wish* is one customer's ask, linked to its ticket(s); a *wish group* gathers similar wishes and
is the unit the product team routes, decides and sends to Jira.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    insert_sentinel,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _when(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


tickets = Table(
    "tickets", metadata,
    Column("id", Integer, primary_key=True),
    insert_sentinel("insert_sentinel"),   # orders a bulk insert's RETURNING ids on SQLite (SQLAlchemy fills it)
    Column("source", String(40), nullable=False),
    Column("external_id", String(120), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("subject", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    Column("requester_id", String(120)),
    Column("requester_name", Text),
    Column("requester_email", Text),
    Column("organization_id", String(120)),
    Column("organization_name", Text),
    Column("segment", String(80)),
    Column("paid_accounts", Integer),
    Column("account_manager", Text),   # the organisation's account manager as the helpdesk names it (release digests)
    Column("channel", String(80)),
    Column("category", String(200)),
    Column("subcategory", String(200)),
    Column("tags", JSON, nullable=False, default=list),
    Column("status", String(60)),
    Column("ticket_type", String(60)),
    Column("language", String(8)),
    Column("is_wish", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    _when("created_at"),
    _when("updated_at"),
    _when("first_seen_at", nullable=False),
    _when("last_seen_at", nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("raw", JSON, nullable=False, default=dict),
    UniqueConstraint("source", "external_id"),
    Index("ix_tickets_category_created", "category", "subcategory", "created_at"),
    Index("ix_tickets_external_id", "external_id"),   # a ticket looked up by its id alone (bridge.workflow.lookup)
)

wish_groups = Table(
    "wish_groups", metadata,
    Column("id", Integer, primary_key=True),
    insert_sentinel("insert_sentinel"),   # orders a bulk insert's RETURNING ids on SQLite (SQLAlchemy fills it)
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("state", String(20), nullable=False, index=True),
    Column("queue", String(20)),
    Column("importance", String(20)),
    Column("notes", Text, nullable=False, default=""),
    Column("reason", Text),
    # per language (bridge.outbox.wording): {"en": title, ...} as the product manager wrote them, and the decision's
    # reason {"code": standard reason, "texts": {"en": words, ...}, "original": words of unknown language}
    Column("titles", JSON),
    Column("reasons", JSON),
    Column("category", String(200)),
    Column("subcategory", String(200)),
    Column("legal_reference", Text),
    Column("legal_deadline", Date),
    Column("merged_into", Integer, ForeignKey("wish_groups.id"), index=True),
    Column("epoch", Integer, nullable=False, default=0),
    _when("created_at", nullable=False),
    _when("updated_at", nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id"), index=True),   # the person who looks after the group
    _when("active_at"),   # its newest audit row (bridge.workflow.changes.log): the lists' "last activity"
    Index("ix_wish_groups_active_at", "active_at"),
    Index("ix_wish_groups_category", "category"),
)

group_stats = Table(
    # What lists sort and filter by, kept by bridge.workflow.popularity.refresh whenever wishes or their tickets
    # join, leave or change: a group's popularity, the inputs of its score.
    "group_stats", metadata,
    Column("group_id", Integer, ForeignKey("wish_groups.id"), primary_key=True),
    Column("wishes", Integer, nullable=False),
    Column("tickets", Integer, nullable=False),
    Column("organizations", Integer, nullable=False),
    Column("requesters", Integer, nullable=False),
    Column("paid_accounts", Integer, nullable=False),
    Column("channels", JSON, nullable=False),
    _when("first_wish_at"),   # its oldest wish: the lists' "age"
    Index("ix_group_stats_tickets", "tickets"),
    Index("ix_group_stats_organizations", "organizations"),
    Index("ix_group_stats_paid_accounts", "paid_accounts"),
    Index("ix_group_stats_first_wish_at", "first_wish_at"),
)

stale_group_stats = Table(
    # Groups whose figures a long run (a sync) will count again once, at its end, instead of at every page; one
    # left by a crash is counted at the end of the next run.
    "stale_group_stats", metadata,
    Column("group_id", Integer, ForeignKey("wish_groups.id"), primary_key=True),
)

group_segments = Table(
    "group_segments", metadata,
    Column("group_id", Integer, ForeignKey("wish_groups.id"), primary_key=True),
    Column("segment", String(80), primary_key=True),
    Column("organizations", Integer, nullable=False),
    Column("paid_accounts", Integer, nullable=False),
)

wishes = Table(
    "wishes", metadata,
    Column("id", Integer, primary_key=True),
    insert_sentinel("insert_sentinel"),   # orders a bulk insert's RETURNING ids on SQLite (SQLAlchemy fills it)
    Column("group_id", Integer, ForeignKey("wish_groups.id"), index=True),
    Column("door", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("join_mode", String(20)),
    Column("join_score", Float),
    Column("created_by", String(120), nullable=False),
    _when("created_at", nullable=False),
)

wish_tickets = Table(
    "wish_tickets", metadata,
    Column("id", Integer, primary_key=True),
    Column("wish_id", Integer, ForeignKey("wishes.id"), nullable=False, index=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("linked_by", String(120), nullable=False),
    _when("linked_at", nullable=False),
    UniqueConstraint("ticket_id"),
)

comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("wish_groups.id"), nullable=False, index=True),
    Column("author", String(120), nullable=False),
    Column("body", Text, nullable=False),
    _when("created_at", nullable=False),
)

ticket_replies = Table(
    # What customers answered to the analyst's questions: a requester's public comment on a helpdesk ticket
    # written after a question reached it (bridge/sync/replies.py), once per vendor comment.
    "ticket_replies", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("external_id", String(120), nullable=False),   # the helpdesk's id of the comment
    Column("question_id", Integer, ForeignKey("comments.id"), index=True),   # the question it answers
    Column("body", Text, nullable=False),
    _when("written_at", nullable=False),   # the helpdesk's time of the comment
    _when("collected_at", nullable=False),
    UniqueConstraint("ticket_id", "external_id"),
)

reply_checks = Table(
    # When each asked ticket's comments were last read: the ticket's `last_seen_at` then, so a ticket is read
    # again only once a sync or webhook stored a change of it.
    "reply_checks", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    _when("seen_at", nullable=False),
)

suggestion_verdicts = Table(
    "suggestion_verdicts", metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("wish_groups.id"), nullable=False),
    Column("other_group_id", Integer, ForeignKey("wish_groups.id"), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("score", Float),
    Column("actor", String(120), nullable=False),
    _when("at", nullable=False),
    UniqueConstraint("group_id", "other_group_id"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(120), nullable=False),
    Column("action", String(60), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("reason", Text),
    Column("details", JSON, nullable=False, default=dict),
    _when("at", nullable=False),
    Index("ix_audit_entity", "entity", "entity_id"),
    Index("ix_audit_action", "entity", "action", "entity_id"),   # the groups with demand after their decision
)

sync_cursors = Table(
    "sync_cursors", metadata,
    Column("connector", String(40), primary_key=True),
    Column("cursor", Text),
    _when("last_run_at"),
    _when("last_success_at"),
    Column("last_error", Text),
    _when("last_error_at"),
    Column("stats", JSON, nullable=False, default=dict),
)

inbox = Table(
    "inbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("delivery_id", String(200), nullable=False),
    Column("headers", JSON, nullable=False, default=dict),
    Column("body", Text, nullable=False),
    Column("events", JSON, nullable=False, default=list),
    _when("received_at", nullable=False),
    _when("processed_at"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    UniqueConstraint("source", "delivery_id"),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    insert_sentinel("insert_sentinel"),   # orders a bulk insert's RETURNING ids on SQLite (SQLAlchemy fills it)
    Column("idempotency_key", String(300), nullable=False),
    Column("target", String(40), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("batch_key", String(300)),
    Column("payload", JSON, nullable=False),
    Column("state", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claims", Integer, nullable=False, default=0),
    Column("lane", String(200)),
    Column("supersedable", Boolean, nullable=False, default=False),
    _when("next_attempt_at", nullable=False),
    _when("horizon_at", nullable=False),
    Column("claimed_by", String(120)),
    _when("claimed_until"),
    Column("last_error", Text),
    Column("result", JSON),
    _when("created_at", nullable=False),
    _when("done_at"),
    UniqueConstraint("idempotency_key"),
    Index("ix_outbox_due", "state", "next_attempt_at"),
    Index("ix_outbox_lane", "lane", "id"),
)

tracker_links = Table(
    "tracker_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("wish_groups.id"), nullable=False),
    Column("tracker", String(40), nullable=False),
    Column("issue_key", String(60), nullable=False),
    Column("issue_id", String(60)),
    Column("url", Text),
    Column("status", String(120)),
    Column("status_category", String(40)),
    Column("stage", String(40)),
    Column("resolution", String(120)),
    Column("fix_version", String(120)),
    _when("observed_at"),   # Jira's own time of the state last recorded, so a late webhook cannot undo a poll
    _when("missing_at"),    # when Jira first said the issue does not exist (deleted, or out of the bridge's sight)
    _when("created_at", nullable=False),
    _when("updated_at", nullable=False),
    UniqueConstraint("group_id"),
    Index("ix_tracker_links_issue", "tracker", "issue_key", unique=True),
)

epic_intents = Table(
    "epic_intents", metadata,
    Column("group_id", Integer, ForeignKey("wish_groups.id"), primary_key=True),
    _when("asked_at", nullable=False),   # stored before the create call: Jira may hold an epic from then on
)

unmapped_values = Table(
    "unmapped_values", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("source", String(40), nullable=False),
    Column("field", String(20), nullable=False),   # category | subcategory
    Column("value", Text, nullable=False),
    _when("seen_at", nullable=False),
    UniqueConstraint("ticket_id", "field"),
    Index("ix_unmapped_values_source", "source", "field", "value"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("display_name", Text, nullable=False, default=""),
    Column("language", String(8), nullable=False, default="en"),
    _when("created_at", nullable=False),
    # Every signed-in session carries the generation it began in; raising it ends them all.
    Column("session_generation", Integer, nullable=False, default=0, server_default="0"),
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
)

login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(64), nullable=False),   # sha256 of "account:<name>" or "address:<client address>"
    _when("at", nullable=False),
    Index("ix_login_failures_subject_at", "subject", "at"),
)
