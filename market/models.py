"""Imports every domain's models so SQLAlchemy's metadata (and Alembic) sees all tables."""
from market.accounts import models as accounts  # noqa: F401
from market.catalog import models as catalog  # noqa: F401
from market.department import models as department  # noqa: F401
from market.jobs import models as jobs  # noqa: F401
from market.notifications import models as notifications  # noqa: F401
from market.ocop import models as ocop  # noqa: F401
from market.orders import models as orders  # noqa: F401
from market.payments import models as payments  # noqa: F401
from market.prices import models as prices  # noqa: F401
from market.reviews import models as reviews  # noqa: F401
from market.search import models as search  # noqa: F401
from market.vendors import models as vendors  # noqa: F401
from market.wholesale import models as wholesale  # noqa: F401
