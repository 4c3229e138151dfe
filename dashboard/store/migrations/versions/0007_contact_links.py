"""journey links in a table of their own: contact_links instead of contacts.next_contact_at

A contact's link (its customer's next arrival within the repeat window) is derived, and the
rebuild rewrites every changed one. As a column of ``contacts`` that meant rewriting nearly every
page of the largest table: 705 k links on the 5.2 M contacts of the benchmark store dirtied the
whole table, about 12 s of the rebuild's writing and commit. As rows of their own, only the
contacts that have a next contact have a row, and the rebuild writes those alone.

The links already stored are copied, then the column is dropped (SQLite 3.35+ drops it in
place; it rewrites the contacts' rows once, holding the write lock meanwhile). On a large store
run ``ccpulse db upgrade`` once, before the collector and the web app start.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 21:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'contact_links',
        sa.Column('contact_id', sa.Integer(), sa.ForeignKey('contacts.id'),
                  nullable=False),
        sa.Column('next_contact_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('contact_id'),
    )
    op.execute('INSERT INTO contact_links (contact_id, next_contact_at) '
               'SELECT id, next_contact_at FROM contacts WHERE next_contact_at IS NOT NULL ORDER BY id')
    op.drop_column('contacts', 'next_contact_at')


def downgrade() -> None:
    op.add_column('contacts', sa.Column('next_contact_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE contacts SET next_contact_at = (SELECT next_contact_at FROM contact_links '
               'WHERE contact_links.contact_id = contacts.id)')
    op.drop_table('contact_links')
