"""outbox lanes (one per ticket), claim counts apart from failed attempts, supersedable items, retry horizon

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claims', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('lane', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('supersedable', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('horizon_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_lane', ['lane', 'id'], unique=False)
    horizon = datetime.now(UTC) + timedelta(hours=72)
    op.get_bind().execute(sa.text("UPDATE outbox SET claims = attempts, horizon_at = :horizon"), {"horizon": horizon})
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('horizon_at', nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_lane')
        batch_op.drop_column('horizon_at')
        batch_op.drop_column('supersedable')
        batch_op.drop_column('lane')
        batch_op.drop_column('claims')
