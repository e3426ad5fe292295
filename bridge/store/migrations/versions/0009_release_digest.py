"""tickets.account_manager: the organisation's account manager as the helpdesk names it, for release digests

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_manager', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('account_manager')
