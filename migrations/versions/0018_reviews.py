"""Reviews and ratings; the cooperative page's cover photo and public phone

Revision ID: 0018_reviews
Revises: 0017_variants
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0018_reviews'
down_revision = '0017_variants'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_sum', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_image', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('public_phone', sa.String(length=20), server_default='',
                                      nullable=False))
    op.create_table(
        'reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=16), nullable=False),
        sa.Column('order_line_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('stars', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('photos', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('reply', sa.Text(), nullable=False),
        sa.Column('replied_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('replied_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('hidden_reason', sa.Text(), nullable=False),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_reviews_stars_range')),
        sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], ondelete='CASCADE',
                                name=op.f('fk_reviews_order_line_id_order_lines')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE',
                                name=op.f('fk_reviews_product_id_products')),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], ondelete='CASCADE',
                                name=op.f('fk_reviews_cooperative_id_cooperatives')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_reviews_author_id_users')),
        sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_reviews_replied_by_id_users')),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_reviews_hidden_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
        sa.UniqueConstraint('public_id', name=op.f('uq_reviews_public_id')),
        sa.UniqueConstraint('order_line_id', name=op.f('uq_reviews_order_line_id')),
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_cooperative_id'), ['cooperative_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_reviews_product_id_created_at', ['product_id', 'created_at'],
                              unique=False)


def downgrade():
    op.drop_table('reviews')
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_column('public_phone')
        batch_op.drop_column('cover_image')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('rating_count')
        batch_op.drop_column('rating_sum')
