"""storefront: cooperative review (rejected state, reason, status history), staff
invitations, image thumbnails, listing indexes

Revision ID: 0003_storefront
Revises: 0001_foundation
Create Date: 2026-11-23 11:25:18.651373

"""
from alembic import op
import sqlalchemy as sa
import market.dbtypes


# revision identifiers, used by Alembic.
revision = "0003_storefront"
down_revision = "0002_prices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cooperative_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_cooperative_status_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_cooperative_status_changes_cooperative_id_cooperatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperative_status_changes'))
    )
    with op.batch_alter_table('cooperative_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperative_status_changes_cooperative_id'), ['cooperative_id'], unique=False)

    op.create_table('staff_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', market.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_staff_invitations_cooperative_id_cooperatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_staff_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_invitations_token_hash'))
    )
    with op.batch_alter_table('staff_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invitations_cooperative_id'), ['cooperative_id'], unique=False)

    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejection_reason', sa.Text(), server_default='', nullable=False))
        batch_op.drop_constraint(op.f('ck_cooperatives_status_known'), type_='check')
        batch_op.create_check_constraint(
            'status_known', "status IN ('pending', 'approved', 'rejected', 'suspended')")

    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thumbnail', sa.String(length=200), nullable=True))

    op.create_index('ix_products_cooperative_id_status_created_at', 'products',
                    ['cooperative_id', 'status', 'created_at'], unique=False)
    op.create_index('ix_products_category_id_status_created_at', 'products',
                    ['category_id', 'status', 'created_at'], unique=False)
    op.create_index('ix_products_status_created_at', 'products',
                    ['status', 'created_at'], unique=False)



def downgrade():
    op.drop_index('ix_products_status_created_at', table_name='products')
    op.drop_index('ix_products_category_id_status_created_at', table_name='products')
    op.drop_index('ix_products_cooperative_id_status_created_at', table_name='products')
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_column('thumbnail')

    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cooperatives_status_known'), type_='check')
        batch_op.create_check_constraint(
            'status_known', "status IN ('pending', 'approved', 'suspended')")
        batch_op.drop_column('rejection_reason')

    with op.batch_alter_table('staff_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invitations_cooperative_id'))

    op.drop_table('staff_invitations')
    with op.batch_alter_table('cooperative_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperative_status_changes_cooperative_id'))

    op.drop_table('cooperative_status_changes')
