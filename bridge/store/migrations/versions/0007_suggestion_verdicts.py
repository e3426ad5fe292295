"""suggestion verdicts: the product manager's 'same' and 'not the same' on suggested groups

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suggestion_verdicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('other_group_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['wish_groups.id'], name=op.f('fk_suggestion_verdicts_group_id_wish_groups')),
    sa.ForeignKeyConstraint(['other_group_id'], ['wish_groups.id'], name=op.f('fk_suggestion_verdicts_other_group_id_wish_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_verdicts')),
    sa.UniqueConstraint('group_id', 'other_group_id', name=op.f('uq_suggestion_verdicts_group_id'))
    )


def downgrade() -> None:
    op.drop_table('suggestion_verdicts')
