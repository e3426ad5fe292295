"""sync cursors remember when the last error happened

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_cursors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_cursors', schema=None) as batch_op:
        batch_op.drop_column('last_error_at')
