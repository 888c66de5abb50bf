"""Sentence embeddings against generic category prototypes: gore and horror in any wording.

NRTA 2026 criterion 2 (bloody violence) and the children's-IP rule reach past any word
list when a sentence embeds (USE multilingual) clearly closer to our generic prototypes of
gore or horror than to prototypes of what the classics and children's stories legitimately
tell (a battle, a duel, a sad death; a lantern, a lost child brought home). The prototypes
are our own generic sentences, in Chinese and English, written once for all works; none
comes from reviewed or benchmark text. A hit refers the item to the human desk (medium):
USE does not separate agent from patient or told from shown, so it never rejects alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from culturebridge.review.models import Embedder

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "gore": (
        "鲜血四溅，尸体被砍成碎块，镜头久久停留在残缺的肢体上",
        "他一刀一刀地折磨俘虏，血肉模糊，惨叫声不断",
        "肠子流了一地，他舔着刀上的鲜血狞笑",
        "把人活活剥皮，鲜血染红了整个屏幕",
        "Blood sprays everywhere as the body is hacked into pieces in close-up.",
        "He tortures the prisoner slowly, cutting off pieces of flesh while the victim screams.",
        "The camera lingers on the mutilated corpses and the pools of blood.",
        "He rips out the man's insides and laughs, covered in gore.",
    ),
    "horror": (
        "可爱的角色变成了可怕的怪物，在黑暗中追杀孩子",
        "孩子被拖进黑暗里，再也没有回来，只留下诡异的笑声",
        "它的眼睛流着血，半夜钻进孩子的房间",
        "The cute character turns into a terrifying monster that hunts children in the dark.",
        "The children are dragged away into the darkness and are never seen again.",
        "Its eyes bleed and it crawls into the child's bedroom at midnight, whispering.",
        "A haunted, cursed creature feeds on the souls of little children.",
    ),
}
BENIGN: dict[str, tuple[str, ...]] = {
    "gore": (
        "两军交战，将军在阵前斩杀敌将，取得大胜",
        "英雄与妖怪大战一场，最终打败了妖怪",
        "她病重咳血，在悲伤中离开了人世",
        "他为兄报仇，杀了仇人后去官府自首",
        "The general kills the enemy commander in battle and wins the war.",
        "The hero fights the demon and defeats it with his staff.",
        "She falls ill, coughs blood and dies of grief.",
        "He avenges his brother and turns himself in to the magistrate.",
    ),
    "horror": (
        "小兔子在灯会上帮助迷路的孩子找到妈妈",
        "夜晚的灯笼发出温暖的光，孩子们开心地回家",
        "小伙伴们有点害怕黑暗，但互相鼓励，一起回家",
        "The little rabbit helps a lost child find her way home at the lantern festival.",
        "The lanterns glow warmly in the night and the children walk home happily.",
        "The friends are a little scared of the dark but encourage each other.",
    ),
}


@dataclass(frozen=True)
class Hit:
    category: str
    row: int  # index of the sentence
    score: float  # similarity to the closest prototype
    margin: float  # over the closest benign prototype
    prototype: str


class Prototypes:
    """Embedded prototypes (built once per embedder) and the scoring of sentences."""

    def __init__(self, embed: Embedder) -> None:
        self._embed = embed
        self._bad = {c: embed(list(p)) for c, p in PROTOTYPES.items()}
        self._good = {c: embed(list(p)) for c, p in BENIGN.items()}

    def score(self, vectors: NDArray[np.float32], categories: Sequence[str], threshold: float, margin: float) -> list[Hit]:
        """Sentences (rows of vectors) that read as one of the categories."""
        hits: list[Hit] = []
        for category in categories:
            bad = vectors @ self._bad[category].T
            good = vectors @ self._good[category].T
            for row in range(vectors.shape[0]):
                k = int(np.argmax(bad[row]))
                s = float(bad[row, k])
                m = s - float(np.max(good[row]))
                if s >= threshold and m >= margin:
                    hits.append(Hit(category, row, s, m, PROTOTYPES[category][k]))
        return hits
