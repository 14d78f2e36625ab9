"""Order numbers people can read aloud (HTX-7K3Q-9M2P), suffixed per cooperative part;
the VietQR transfer reference becomes the same number without hyphens.

Revision ID: 0011_order_numbers
Revises: 0010_order_client_ref
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0011_order_numbers'
down_revision = '0010_order_client_ref'
branch_labels = None
depends_on = None

# A copy of market.orders.numbers at the time of writing: migrations never import the app.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def _number(taken):
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        number = f"HTX-{code[:4]}-{code[4:]}"
        if number not in taken:
            taken.add(number)
            return number


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=16), nullable=True))
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=20), nullable=True))

    bind = op.get_bind()
    orders = sa.table('orders', sa.column('id', sa.Integer), sa.column('number', sa.String),
                      sa.column('transfer_reference', sa.String))
    parts = sa.table('vendor_orders', sa.column('id', sa.Integer),
                     sa.column('order_id', sa.Integer), sa.column('number', sa.String))
    taken = set()
    for (order_id,) in bind.execute(sa.select(orders.c.id).order_by(orders.c.id)).all():
        number = _number(taken)
        bind.execute(orders.update().where(orders.c.id == order_id).values(
            number=number, transfer_reference=number.replace("-", "")))
        part_ids = bind.execute(sa.select(parts.c.id).where(parts.c.order_id == order_id)
                                .order_by(parts.c.id)).scalars().all()
        for index, part_id in enumerate(part_ids, start=1):
            bind.execute(parts.update().where(parts.c.id == part_id)
                         .values(number=f"{number}-{index}"))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_orders_number'), ['number'])
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_vendor_orders_number'), ['number'])


def downgrade():
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_vendor_orders_number'), type_='unique')
        batch_op.drop_column('number')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_orders_number'), type_='unique')
        batch_op.drop_column('number')
