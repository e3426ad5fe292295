"""group stats: each group's popularity and wish count, stored so that lists sort and page in SQL; audit rows
found by action (the inbox's groups with new demand after their decision)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The figures are derived data, counted by the very code that keeps them current
(bridge.workflow.popularity.refresh_all) in the newest migration that adds to them (0013): that code
writes every column the figures have by then.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_stats',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('wishes', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('organizations', sa.Integer(), nullable=False),
    sa.Column('requesters', sa.Integer(), nullable=False),
    sa.Column('paid_accounts', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['wish_groups.id'], name=op.f('fk_group_stats_group_id_wish_groups')),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_group_stats'))
    )
    op.create_table('group_segments',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=80), nullable=False),
    sa.Column('organizations', sa.Integer(), nullable=False),
    sa.Column('paid_accounts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['wish_groups.id'], name=op.f('fk_group_segments_group_id_wish_groups')),
    sa.PrimaryKeyConstraint('group_id', 'segment', name=op.f('pk_group_segments'))
    )
    op.create_index('ix_audit_action', 'audit', ['entity', 'action', 'entity_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_action', table_name='audit')
    op.drop_table('group_segments')
    op.drop_table('group_stats')
