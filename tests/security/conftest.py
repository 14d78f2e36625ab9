"""Fixtures shared by the security tests."""
from tests.security.access import world  # noqa: F401 (a fixture for every test here)
