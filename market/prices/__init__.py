"""Commodity prices: observations, imports, forecasts and the public price feed."""
