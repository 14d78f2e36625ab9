"""Traceability: lots of a product variant, their events in a SHA-256 hash chain, public
trace pages, GS1 Digital Link, QR labels, EPCIS 2.0 export, Circular 02/2024/TT-BKHCN
export, recalls (see docs/traceability.md)."""
