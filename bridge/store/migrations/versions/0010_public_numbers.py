"""public numbers: a group is looked up by a helpdesk ticket's id alone and by the groups merged into it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tickets_external_id', 'tickets', ['external_id'], unique=False)
    op.create_index('ix_wish_groups_merged_into', 'wish_groups', ['merged_into'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_wish_groups_merged_into', table_name='wish_groups')
    op.drop_index('ix_tickets_external_id', table_name='tickets')
