"""group languages: a group's titles written per language, and the reason of its decision per language (a
standard reason, the product manager's words per language, words of unknown language)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Both are JSON keyed by language; `title` stays the group's original title and `reason` the reason as the
messages' default language reads it. Existing groups keep their reason as words of unknown language.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wish_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('titles', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reasons', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('wish_groups', schema=None) as batch_op:
        batch_op.drop_column('reasons')
        batch_op.drop_column('titles')
