"""Vietnam's administrative units after the July 2025 reorganisation (34 provinces, 3,321
communes/wards), read from the maintained `vietnam-provinces` package with official codes."""
