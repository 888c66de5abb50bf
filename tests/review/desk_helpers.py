"""Builders for desk tests: an IP from the demo pack, works that review to each outcome."""

from __future__ import annotations

from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import NewWork, Work
from culturebridge.review import Models, default_canon_dir, load_canon_dir
from culturebridge.review.desk import StoredItem
from culturebridge.review.work_review import review_work
from culturebridge.storage import MediaStore

IP = "journey-to-the-west"
PASS = "师徒四人来到火焰山，孙悟空三借芭蕉扇，终于扇灭火焰，继续西行。"
REVIEW = "孙悟空在花果山上掏出手枪吓唬妖怪。"  # an anachronism: medium -> human review
REJECT = "唐僧下令屠杀村民，孙悟空背叛了师父。"  # core traits inverted: reject


def add_demo_ip(conn: Connection, admin: User, name: str = IP) -> None:
    catalog.add_ip(conn, admin, load_canon_dir(default_canon_dir())[name])


def adaptation(conn: Connection, owner: User, synopsis: str, *, ai: bool = False, en: str | None = None) -> Work:
    synopses = {"zh": synopsis} | ({"en": en} if en else {})
    return catalog.create_work(conn, owner, NewWork(
        kind="story", original_language="zh", titles={"zh": "西游新编", "en": "A New Journey"},
        synopses=synopses, ip_name=IP, ai_generated=ai,
    ))


def reviewed(conn: Connection, media: MediaStore, owner: User, synopsis: str, **kw: object) -> StoredItem:
    work = adaptation(conn, owner, synopsis, **kw)  # type: ignore[arg-type]
    return review_work(conn, media, work.id, models=Models.none())
