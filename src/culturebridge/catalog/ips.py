"""IPs and their canon cards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from culturebridge.accounts.users import User
from culturebridge.catalog._tables import ips
from culturebridge.catalog.canon import CanonCard
from culturebridge.catalog.models import IP
from culturebridge.errors import Conflict, IPNotFound, PermissionDenied
from culturebridge.ids import as_utc, new_id, now


def _from_row(row: Any) -> IP:
    m = row._mapping
    return IP(
        id=m["id"],
        name=m["name"],
        canon=CanonCard.from_dict(m["canon"]),
        created_at=as_utc(m["created_at"]),
        updated_at=as_utc(m["updated_at"]),
    )


def _require_curator(actor: User) -> None:
    if actor.role not in ("admin", "reviewer"):
        raise PermissionDenied("only admins and reviewers edit IP canon cards")


def add_ip(conn: Connection, actor: User, card: CanonCard) -> IP:
    """Register an IP with its canon card; the card's name must be new."""
    _require_curator(actor)
    stamp = now()
    try:
        with conn.begin_nested():
            conn.execute(
                ips.insert().values(
                    id=new_id("ip"),
                    name=card.name,
                    titles=card.titles,
                    protection=card.protection,
                    canon=card.to_dict(),
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    except IntegrityError as exc:
        raise Conflict(f"an IP named {card.name!r} already exists", hint="edit it instead") from exc
    return get_ip(conn, card.name)


def update_canon(conn: Connection, actor: User, name: str, card: CanonCard) -> IP:
    """Replace an IP's canon card (the name stays)."""
    _require_curator(actor)
    get_ip(conn, name)
    if card.name != name:
        raise Conflict(f"the card is named {card.name!r} but edits IP {name!r}", hint="keep the name unchanged")
    conn.execute(
        ips.update()
        .where(ips.c.name == name)
        .values(titles=card.titles, protection=card.protection, canon=card.to_dict(), updated_at=now())
    )
    return get_ip(conn, name)


def get_ip(conn: Connection, name: str) -> IP:
    row = conn.execute(select(ips).where(ips.c.name == name)).first()
    if row is None:
        raise IPNotFound(name)
    return _from_row(row)


def get_ip_by_id(conn: Connection, ip_id: str) -> IP:
    row = conn.execute(select(ips).where(ips.c.id == ip_id)).first()
    if row is None:
        raise IPNotFound(ip_id)
    return _from_row(row)


def list_ips(conn: Connection) -> list[IP]:
    return [_from_row(r) for r in conn.execute(select(ips).order_by(ips.c.name))]
