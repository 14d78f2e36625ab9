"""Images: responsive renditions (WebP and JPEG at a few widths) and the original's size

Revision ID: 0020_images
Revises: 0018_reviews
"""
from alembic import op
import sqlalchemy as sa

revision = '0020_images'
down_revision = '0018_reviews'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rendition_widths', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_column('rendition_widths')
        batch_op.drop_column('height')
        batch_op.drop_column('width')
