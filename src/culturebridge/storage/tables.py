"""Every stage's tables on the one `metadata`, imported so migrations and tests see them all."""

from __future__ import annotations

from culturebridge.storage.schema import metadata

# Stages that own tables register them here by importing their `_tables` module.
import culturebridge.rights._tables  # noqa: F401
import culturebridge.fingerprint._tables  # noqa: F401
import culturebridge.labels._tables  # noqa: F401
import culturebridge.localize._tables  # noqa: F401
import culturebridge.review._tables  # noqa: F401
import culturebridge.feed._tables  # noqa: F401
import culturebridge.automation._tables  # noqa: F401

__all__ = ["metadata"]
