"""The partner API's sync: products.ever_public (only a product that was once public leaves a
tombstone; a draft deleted or archived before it was published never shows its slug), and an
index on products (status, updated_at, id) so that a page of public products is a range scan
in order instead of a sort of every active product.

Existing products: those not in draft count as once public (what the API assumed so far);
drafts count as never public.

Revision ID: 0033_api_sync
Revises: 0032_dept_speed
"""
from alembic import op
import sqlalchemy as sa

revision = '0033_api_sync'
down_revision = '0032_dept_speed'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite has it): batch mode would copy and drop `products`, and the
    # drop would cascade to its texts, images and variants under foreign keys.
    op.add_column('products', sa.Column('ever_public', sa.Boolean(), server_default=sa.false(),
                                        nullable=False))
    op.execute("UPDATE products SET ever_public = TRUE WHERE status <> 'draft'")
    op.create_index('ix_products_status_updated_at_id', 'products',
                    ['status', 'updated_at', 'id'])


def downgrade():
    op.drop_index('ix_products_status_updated_at_id', table_name='products')
    with op.batch_alter_table('products') as batch:
        batch.drop_column('ever_public')
