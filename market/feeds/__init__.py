"""Product feeds for outside platforms (the Google Merchant Center feed)."""
