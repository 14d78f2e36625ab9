"""accounts, sessions and web security (issue 10): server-side sign-in sessions

Revision ID: 0008_accounts_security
Revises: 0007_stock_movements
"""
import sqlalchemy as sa
from alembic import op

import market.dbtypes

revision = '0008_accounts_security'
down_revision = '0007_stock_movements'
branch_labels = None
depends_on = None


def upgrade():
    # Cookies signed before this revision carry a user's public id, which is no session
    # token: everyone signs in again once, and from then on logout really ends a session.
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_user_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
