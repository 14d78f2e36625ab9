import pytest

from market.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Sign-in is limited to 10 a minute per address; these tests sign in often."""
    with app.app_context():
        if getattr(limiter, "_storage", None) is not None:
            limiter.reset()
    yield
