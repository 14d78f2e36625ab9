"""Imports every domain's models so SQLAlchemy's metadata (and Alembic) sees all tables."""
from market.accounts import models as accounts  # noqa: F401
from market.catalog import models as catalog  # noqa: F401
from market.vendors import models as vendors  # noqa: F401
from market.search import models as search  # noqa: F401
