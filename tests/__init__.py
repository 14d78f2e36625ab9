import os

# Argon2's cheapest profile (argon2-cffi's own, meant for tests) in this process and in every
# server or command the tests start: the production profile costs ~0.35 s of CPU per hash,
# and the suite makes and signs in thousands of users. tests/accounts/test_auth.py checks
# that production keeps RFC 9106's profile.
os.environ.setdefault("MARKET_PASSWORD_HASH_PROFILE", "CHEAPEST")
