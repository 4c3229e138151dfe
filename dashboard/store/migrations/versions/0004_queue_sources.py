"""queue sources: which source brings contacts to which queue, so a tile goes stale with its own sources

Filled here from the contacts already stored (their latest arrival per queue, channel and
source); kept from then on by every batch that stores contacts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_sources',
                    sa.Column('queue', sa.String(length=128), nullable=False),
                    sa.Column('channel', sa.String(length=32), nullable=False),
                    sa.Column('source', sa.String(length=64), nullable=False),
                    sa.Column('latest_arrival_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('queue', 'channel', 'source'))
    op.execute('INSERT INTO queue_sources (queue, channel, source, latest_arrival_at) '
               'SELECT queue, channel, source, max(arrived_at) FROM contacts GROUP BY queue, channel, source')


def downgrade() -> None:
    op.drop_table('queue_sources')
