"""lighter indexes: the collector writes hundreds of contacts a tick, every index costs pages

- ``ix_contacts_updated`` was never read: dropped.
- ``ix_*_stats_start`` repeated the first column of their tables' primary keys: dropped.
- ``ix_contacts_waiting`` now holds the channel too, so the snapshot's waiting counts
  per (queue, channel) are read from the index alone.
- ``ix_contacts_connected`` (every answered, unended contact, asynchronous cases included)
  becomes ``ix_contacts_held``: synchronous conversations only, the few the agent board counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

WAITING = sa.text('answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL')
CONNECTED = sa.text('answered_at IS NOT NULL AND ended_at IS NULL')
HELD = sa.text('answered_at IS NOT NULL AND ended_at IS NULL AND response_due_at IS NULL')
STARTS = (('interval_stats', 'ix_interval_stats_start'), ('agent_interval_stats', 'ix_agent_interval_stats_start'),
          ('agent_state_stats', 'ix_agent_state_stats_start'))


def upgrade() -> None:
    op.drop_index('ix_contacts_updated', table_name='contacts')
    op.drop_index('ix_contacts_waiting', table_name='contacts')
    op.create_index('ix_contacts_waiting', 'contacts', ['queue', 'channel', 'arrived_at'], unique=False,
                    sqlite_where=WAITING, postgresql_where=WAITING)
    op.drop_index('ix_contacts_connected', table_name='contacts')
    op.create_index('ix_contacts_held', 'contacts', ['agent_id'], unique=False,
                    sqlite_where=HELD, postgresql_where=HELD)
    for table, index in STARTS:
        op.drop_index(index, table_name=table)


def downgrade() -> None:
    for table, index in STARTS:
        op.create_index(index, table, ['interval_start'], unique=False)
    op.drop_index('ix_contacts_held', table_name='contacts')
    op.create_index('ix_contacts_connected', 'contacts', ['agent_id'], unique=False,
                    sqlite_where=CONNECTED, postgresql_where=CONNECTED)
    op.drop_index('ix_contacts_waiting', table_name='contacts')
    op.create_index('ix_contacts_waiting', 'contacts', ['queue', 'arrived_at'], unique=False,
                    sqlite_where=WAITING, postgresql_where=WAITING)
    op.create_index('ix_contacts_updated', 'contacts', ['updated_at'], unique=False)
