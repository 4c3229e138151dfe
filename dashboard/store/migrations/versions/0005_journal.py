"""journal: each poll's records kept until the collector files them in bulk

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journal',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('source', sa.String(length=64), nullable=False),
                    sa.Column('polled_at', sa.DateTime(), nullable=False),
                    sa.Column('records', sa.Integer(), nullable=False),
                    sa.Column('payload', sa.Text(), nullable=False),
                    sa.Column('error', sa.Text(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('journal')
