"""stale group figures: the groups a sync run touched, counted once at the end of the run

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stale_group_stats',
                    sa.Column('group_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['group_id'], ['wish_groups.id'],
                                            name=op.f('fk_stale_group_stats_group_id_wish_groups')),
                    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_stale_group_stats')))


def downgrade() -> None:
    op.drop_table('stale_group_stats')
