"""payments, refunds and ledger hardening (issue 10): refunds of money no order part holds

Revision ID: 0009_money_hardening
Revises: 0008_accounts_security
"""
import sqlalchemy as sa
from alembic import op

import market.dbtypes

revision = '0009_money_hardening'
down_revision = '0008_accounts_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('idempotency_key', sa.String(length=80), nullable=False),
        sa.Column('external_id', sa.String(length=255), nullable=True),
        sa.Column('created_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', market.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
        sa.CheckConstraint("status IN ('due', 'sent')", name=op.f('ck_refunds_status_known')),
        sa.CheckConstraint("reason IN ('late_payment', 'not_held')",
                           name=op.f('ck_refunds_reason_known')),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                                name=op.f('fk_refunds_payment_id_payments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_refunds_idempotency_key')),
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
    op.drop_table('refunds')
