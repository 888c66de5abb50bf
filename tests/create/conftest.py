"""A platform with the Journey to the West canon, a source work with a still, and a local endpoint."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from culturebridge import catalog
from culturebridge.accounts import User, create_user, get_user_by_name
from culturebridge.catalog import NewWork
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.review import default_canon_dir, load_canon_dir
from culturebridge.settings import Settings
from tests.create.servers import Knobs, canon_reply, draw_png, generation_server

STORY = ("唐僧师徒四人行至火焰山，山火阻路。孙悟空忠心护师，三次向铁扇公主借芭蕉扇，"
         "终于扇灭山火，师徒继续西行取经。")
SCENES = ["孙悟空驾着筋斗云飞过火焰山。", "孙悟空向铁扇公主借芭蕉扇。", "师徒四人继续向西天取经。"]
TITLES = ["Journey Through the Flaming Mountains", "The Monkey King and the Palm-Leaf Fan", "Westward Again"]


@dataclass(frozen=True)
class World:
    platform: Platform
    mei: User
    source_id: str
    base_url: str
    knobs: Knobs


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with generation_server(canon_reply(STORY, SCENES, TITLES, ["journey-west", "no-such-fact"])) as (url, knobs):
        settings = Settings(data_dir=tmp_path / "data", create_timeout_s=30,
                            create_endpoints=f"local={url}@qwen-local?images=sd-local&speech=tts-local",
                            create_endpoint="local")
        platform, admin = init_platform(settings, "admin", "password-for-tests")
        card = load_canon_dir(default_canon_dir())["journey-to-the-west"]
        with platform.db.write() as conn:
            create_user(conn, "mei", "password-for-tests", "creator")
            catalog.add_ip(conn, admin, card)
            mei = get_user_by_name(conn, "mei")
            work = catalog.create_work(conn, mei, NewWork(
                "story", "zh", {"zh": "西游记·火焰山", "en": "Flaming Mountains"},
                {"zh": "唐僧师徒路过火焰山，孙悟空向铁扇公主借芭蕉扇。"}, ip_name="journey-to-the-west",
                markets=["CN/zh"]))
            catalog.add_asset(conn, platform.media, mei, work.id, io.BytesIO(draw_png("source still", 256, 256)),
                              "still.png", platform.limits)
        try:
            yield World(platform, mei, work.id, url, knobs)
        finally:
            platform.close()
