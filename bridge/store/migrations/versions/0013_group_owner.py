"""group owner and activity: who owns each wish group (a user), when anything last happened to it, and its
oldest wish's time among the stored group figures, so that lists sort and filter on them in SQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08

`active_at` starts as the time of the group's newest audit row (its update time when it has none); the figures'
`first_wish_at` is counted by the code that keeps it (bridge.workflow.popularity.refresh_all).
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':   # adds a reference only inside the column's own definition
        op.execute('ALTER TABLE wish_groups ADD COLUMN owner_id INTEGER '
                   'CONSTRAINT fk_wish_groups_owner_id_users REFERENCES users (id)')
    else:
        op.add_column('wish_groups', sa.Column('owner_id', sa.Integer(), sa.ForeignKey(
            'users.id', name='fk_wish_groups_owner_id_users'), nullable=True))
    op.add_column('wish_groups', sa.Column('active_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_wish_groups_owner_id', 'wish_groups', ['owner_id'], unique=False)
    op.create_index('ix_wish_groups_active_at', 'wish_groups', ['active_at'], unique=False)
    op.create_index('ix_wish_groups_category', 'wish_groups', ['category'], unique=False)
    op.add_column('group_stats', sa.Column('first_wish_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_group_stats_first_wish_at', 'group_stats', ['first_wish_at'], unique=False)
    for column in ('tickets', 'organizations', 'paid_accounts'):
        op.create_index(f'ix_group_stats_{column}', 'group_stats', [column], unique=False)

    bind = op.get_bind()
    groups, audit = sa.table('wish_groups', sa.column('id'), sa.column('active_at'), sa.column('updated_at')), \
        sa.table('audit', sa.column('entity'), sa.column('entity_id'), sa.column('at'))
    newest = (sa.select(sa.func.max(audit.c.at))
              .where(audit.c.entity == 'group', audit.c.entity_id == sa.cast(groups.c.id, sa.String))
              .scalar_subquery())
    bind.execute(groups.update().values(active_at=sa.func.coalesce(newest, groups.c.updated_at)))
    from bridge.workflow.popularity import refresh_all

    refresh_all(bind)


def downgrade() -> None:
    for column in ('paid_accounts', 'organizations', 'tickets'):
        op.drop_index(f'ix_group_stats_{column}', table_name='group_stats')
    op.drop_index('ix_group_stats_first_wish_at', table_name='group_stats')
    op.drop_column('group_stats', 'first_wish_at')
    op.drop_index('ix_wish_groups_category', table_name='wish_groups')
    op.drop_index('ix_wish_groups_active_at', table_name='wish_groups')
    op.drop_index('ix_wish_groups_owner_id', table_name='wish_groups')
    op.drop_column('wish_groups', 'active_at')
    if op.get_bind().dialect.name != 'sqlite':   # SQLite drops a column's own REFERENCES with it
        op.drop_constraint('fk_wish_groups_owner_id_users', 'wish_groups', type_='foreignkey')
    op.drop_column('wish_groups', 'owner_id')
