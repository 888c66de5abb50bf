"""Catalog: works, assets, IPs with canon cards, and lineage."""
