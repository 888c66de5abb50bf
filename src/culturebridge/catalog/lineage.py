"""Lineage: derivation edges between works (original -> AI adaptation -> translation).

A derived work is a Work with a Derivation edge to its source. The edges form a DAG; an
edge that would make a work its own ancestor is refused.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, or_, select
from sqlalchemy.exc import IntegrityError

from culturebridge.accounts.users import User
from culturebridge.catalog._tables import derivations, works
from culturebridge.catalog.models import DERIVATION_KINDS, Derivation, DerivationKind, Work
from culturebridge.catalog.works import get_work, require_editor, require_viewer, work_from_row
from culturebridge.errors import Conflict, InvalidInput, LineageCycle
from culturebridge.ids import as_utc, new_id, now

MAX_LINEAGE_NODES = 500


@dataclass(frozen=True)
class Lineage:
    """The connected ancestry and progeny of one work."""

    focus: str
    works: dict[str, Work]
    edges: tuple[Derivation, ...]

    def ancestors(self) -> list[str]:
        return _walk(self.focus, _index(self.edges, "up"))

    def descendants(self) -> list[str]:
        return _walk(self.focus, _index(self.edges, "down"))


def _index(edges: tuple[Derivation, ...], direction: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in edges:
        a, b = (e.derived_id, e.source_id) if direction == "up" else (e.source_id, e.derived_id)
        out.setdefault(a, []).append(b)
    return out


def _walk(start: str, graph: dict[str, list[str]]) -> list[str]:
    seen: list[str] = []
    queue = deque(graph.get(start, []))
    while queue:
        node = queue.popleft()
        if node not in seen:
            seen.append(node)
            queue.extend(graph.get(node, []))
    return seen


def _from_row(row: Any) -> Derivation:
    m = row._mapping
    return Derivation(
        id=m["id"],
        source_id=m["source_id"],
        derived_id=m["derived_id"],
        kind=cast(DerivationKind, m["kind"]),
        tool=m["tool"],
        ai_generated=bool(m["ai_generated"]),
        created_at=as_utc(m["created_at"]),
    )


def add_derivation(
    conn: Connection,
    actor: User,
    source_id: str,
    derived_id: str,
    kind: str,
    tool: str | None = None,
    ai_generated: bool = False,
) -> Derivation:
    """Record that `derived_id` was made from `source_id`; the actor must be able to view the source
    and edit the derived work."""
    if kind not in DERIVATION_KINDS:
        raise InvalidInput(f"derivation kind {kind!r} is not one of {', '.join(DERIVATION_KINDS)}")
    if source_id == derived_id:
        raise LineageCycle("a work cannot be derived from itself")
    # The source must be a work the actor may view: someone else's private work answers exactly
    # as a missing one (no id oracle), and cannot be named as a source to launder a copy.
    require_viewer(actor, get_work(conn, source_id))
    derived = get_work(conn, derived_id)
    require_editor(actor, derived)
    if derived_id in ancestors_of(conn, source_id):
        raise LineageCycle(f"{derived_id} is already an ancestor of {source_id}; the edge would close a cycle")
    if tool is not None and len(tool) > 200:
        raise InvalidInput("tool is longer than 200 characters")
    row = {
        "id": new_id("d"),
        "source_id": source_id,
        "derived_id": derived_id,
        "kind": kind,
        "tool": tool,
        "ai_generated": ai_generated,
        "created_at": now(),
    }
    try:
        with conn.begin_nested():
            conn.execute(derivations.insert().values(**row))
    except IntegrityError as exc:
        raise Conflict(f"{derived_id} is already recorded as derived from {source_id}") from exc
    return _from_row(conn.execute(select(derivations).where(derivations.c.id == row["id"])).one())


def sources_of(conn: Connection, work_id: str) -> list[Derivation]:
    """The edges from a work's direct sources."""
    rows = conn.execute(select(derivations).where(derivations.c.derived_id == work_id))
    return [_from_row(r) for r in rows]


def derived_works(conn: Connection, work_id: str, kind: str | None = None) -> list[Derivation]:
    """The edges to a work's direct derivatives (of one derivation `kind` if given), newest first."""
    query = select(derivations).where(derivations.c.source_id == work_id)
    if kind is not None:
        query = query.where(derivations.c.kind == kind)
    rows = conn.execute(query.order_by(derivations.c.created_at.desc(), derivations.c.id))
    return [_from_row(r) for r in rows]


def ancestors_of(conn: Connection, work_id: str) -> list[str]:
    """Every work `work_id` was derived from, nearest first."""
    seen: list[str] = []
    frontier = [work_id]
    while frontier and len(seen) < MAX_LINEAGE_NODES:
        rows = conn.execute(select(derivations.c.source_id).where(derivations.c.derived_id.in_(frontier)))
        frontier = [r.source_id for r in rows if r.source_id not in seen]
        seen.extend(dict.fromkeys(frontier))
    return seen


def lineage(conn: Connection, work_id: str) -> Lineage:
    """The whole connected derivation graph around a work (bounded to MAX_LINEAGE_NODES)."""
    get_work(conn, work_id)
    nodes = {work_id}
    edges: dict[str, Derivation] = {}
    frontier = {work_id}
    while frontier and len(nodes) < MAX_LINEAGE_NODES:
        rows = conn.execute(
            select(derivations).where(
                or_(derivations.c.source_id.in_(frontier), derivations.c.derived_id.in_(frontier))
            )
        )
        fresh: set[str] = set()
        for row in rows:
            edge = _from_row(row)
            edges[edge.id] = edge
            fresh |= {edge.source_id, edge.derived_id} - nodes
        nodes |= fresh
        frontier = fresh
    rows = conn.execute(select(works).where(works.c.id.in_(nodes)))
    found = {r.id: work_from_row(r) for r in rows}
    ordered = tuple(sorted(edges.values(), key=lambda e: (e.created_at, e.id)))
    return Lineage(focus=work_id, works=found, edges=ordered)


@dataclass(frozen=True)
class PlacedNode:
    work_id: str
    column: int
    row: int


def layout(graph: Lineage) -> list[PlacedNode]:
    """Place works in columns by generation (longest path from a root), rows within a column."""
    parents = _index(graph.edges, "up")
    depth: dict[str, int] = {}

    def generation(node: str, trail: frozenset[str] = frozenset()) -> int:
        if node in depth:
            return depth[node]
        ups = [p for p in parents.get(node, []) if p not in trail]
        depth[node] = 0 if not ups else 1 + max(generation(p, trail | {node}) for p in ups)
        return depth[node]

    for node in graph.works:
        generation(node)
    rows: dict[int, int] = {}
    placed = []
    for node in sorted(graph.works, key=lambda n: (depth[n], graph.works[n].created_at, n)):
        column = depth[node]
        placed.append(PlacedNode(node, column, rows.get(column, 0)))
        rows[column] = rows.get(column, 0) + 1
    return placed
