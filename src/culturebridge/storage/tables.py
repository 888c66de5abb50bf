"""Every stage's tables on the one `metadata`, imported so migrations and tests see them all."""

from __future__ import annotations

from culturebridge.storage.schema import metadata

# Stages that own tables register them here by importing their `_tables` module.

__all__ = ["metadata"]
