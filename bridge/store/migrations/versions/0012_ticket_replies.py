"""ticket replies: what customers answered to the analyst's questions, and when each asked ticket's comments
were last read

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['comments.id'], name=op.f('fk_ticket_replies_question_id_comments')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_replies_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_replies')),
    sa.UniqueConstraint('ticket_id', 'external_id', name=op.f('uq_ticket_replies_ticket_id'))
    )
    op.create_index(op.f('ix_ticket_replies_question_id'), 'ticket_replies', ['question_id'], unique=False)
    op.create_table('reply_checks',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_reply_checks_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_reply_checks'))
    )


def downgrade() -> None:
    op.drop_table('reply_checks')
    op.drop_index(op.f('ix_ticket_replies_question_id'), table_name='ticket_replies')
    op.drop_table('ticket_replies')
