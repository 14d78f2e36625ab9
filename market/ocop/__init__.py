"""OCOP (One Commune One Product) certificates: submission by cooperatives, verification by
the province's Department of Industry and Trade, and the star badges buyers see."""
