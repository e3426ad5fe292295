"""stale group figures and insert sentinels: the groups a sync run touched, counted once at the end of the run;
a nullable integer column on the tables whose bulk inserts need their new ids in order, which SQLAlchemy fills
per batch so that SQLite can return them from one multi-row INSERT instead of one INSERT per row

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
SENTINELLED = ('tickets', 'wish_groups', 'wishes', 'outbox')


def upgrade() -> None:
    op.create_table('stale_group_stats',
                    sa.Column('group_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['group_id'], ['wish_groups.id'],
                                            name=op.f('fk_stale_group_stats_group_id_wish_groups')),
                    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_stale_group_stats')))
    for table in SENTINELLED:
        op.add_column(table, sa.Column('insert_sentinel', sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in SENTINELLED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('insert_sentinel')
    op.drop_table('stale_group_stats')
