"""Storage: the relational schema and migrations, the database handle, and media blobs."""

from culturebridge.storage import _tables  # noqa: F401  (registers the rate counters on metadata)
from culturebridge.storage.database import Database, alembic_config, upsert
from culturebridge.storage.media import LocalMediaStore, MediaStore, StagedBlob
from culturebridge.storage.metadata import metadata

__all__ = ["Database", "LocalMediaStore", "MediaStore", "StagedBlob", "alembic_config", "metadata", "upsert"]
