"""Catalog: works, their assets, IPs with canon cards, and lineage between works."""

from culturebridge.catalog.assets import (
    IngestLimits,
    add_asset,
    find_assets_by_hash,
    get_asset,
    list_assets,
    referenced_keys,
)
from culturebridge.catalog.canon import CanonCard
from culturebridge.catalog.ips import add_ip, get_ip, get_ip_by_id, list_ips, update_canon
from culturebridge.catalog.lineage import Lineage, add_derivation, ancestors_of, layout, lineage, sources_of
from culturebridge.catalog.models import (
    DERIVATION_KINDS,
    WORK_KINDS,
    IP,
    Asset,
    Derivation,
    Work,
)
from culturebridge.catalog.works import (
    NewWork,
    can_view,
    count_works,
    create_work,
    get_work,
    list_works,
    require_editor,
    require_viewer,
    update_work,
)

__all__ = [
    "DERIVATION_KINDS",
    "IP",
    "WORK_KINDS",
    "Asset",
    "CanonCard",
    "Derivation",
    "IngestLimits",
    "Lineage",
    "NewWork",
    "Work",
    "add_asset",
    "add_derivation",
    "add_ip",
    "ancestors_of",
    "can_view",
    "count_works",
    "create_work",
    "find_assets_by_hash",
    "get_asset",
    "get_ip",
    "get_ip_by_id",
    "get_work",
    "layout",
    "lineage",
    "list_assets",
    "list_ips",
    "list_works",
    "referenced_keys",
    "require_editor",
    "require_viewer",
    "sources_of",
    "update_canon",
    "update_work",
]
