"""missing epics, epic create intents, unmapped helpdesk values

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tracker_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('epic_intents',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['wish_groups.id'], name=op.f('fk_epic_intents_group_id_wish_groups')),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_epic_intents'))
    )
    op.create_table('unmapped_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_unmapped_values_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmapped_values')),
    sa.UniqueConstraint('ticket_id', 'field', name=op.f('uq_unmapped_values_ticket_id'))
    )
    with op.batch_alter_table('unmapped_values', schema=None) as batch_op:
        batch_op.create_index('ix_unmapped_values_source', ['source', 'field', 'value'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unmapped_values', schema=None) as batch_op:
        batch_op.drop_index('ix_unmapped_values_source')
    op.drop_table('unmapped_values')
    op.drop_table('epic_intents')
    with op.batch_alter_table('tracker_links', schema=None) as batch_op:
        batch_op.drop_column('missing_at')
