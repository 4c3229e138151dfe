"""roll-ups without rowid (SQLite): each roll-up row kept once, in its primary key's B-tree

The roll-up tables are keyed by their composite primary keys and have no other index (0003
dropped them). As ordinary rowid tables SQLite wrote every row twice: into the table's B-tree
(by rowid) and into the primary key's automatic index. ``WITHOUT ROWID`` tables are the primary
key's B-tree alone: half the B-tree writes a row, for the collector's upserts and for the
rebuild's inserts, and the space of the automatic indexes freed.

SQLite cannot change a table's kind in place: each table is recreated (Alembic's batch mode:
create the new table, copy every row, drop the old, rename), its rows kept. PostgreSQL has no
such option (its tables are heaps with separate indexes): nothing is done there.

It rewrites every roll-up row and holds the write lock meanwhile: 39-42 s for the 5.2 M contacts
of the benchmark store. On a large store run ``ccpulse db upgrade`` once, before the collector
and the web app start (each runs the migrations at start, and would wait on the other's lock).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:30:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ROLLUPS = ('interval_stats', 'agent_interval_stats', 'agent_state_stats', 'queue_day_stats', 'agent_day_stats',
           'agent_state_day_stats', 'customer_weeks', 'queue_sources')


def upgrade() -> None:
    _recreate(with_rowid=False)


def downgrade() -> None:
    _recreate(with_rowid=True)


def _recreate(with_rowid: bool) -> None:
    if op.get_context().dialect.name != 'sqlite':
        return
    for table in ROLLUPS:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_with_rowid': with_rowid}):
            pass
