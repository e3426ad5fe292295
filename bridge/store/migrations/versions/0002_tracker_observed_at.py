"""tracker links remember the Jira time of their state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tracker_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observed_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tracker_links', schema=None) as batch_op:
        batch_op.drop_column('observed_at')

