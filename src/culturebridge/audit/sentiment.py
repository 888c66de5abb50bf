"""Sentiment of an answer toward its subject: a small lexicon of our own, English and Chinese.

Scored languages: en (word lexicon), zh-Hans and zh-Hant (one lexicon, Traditional answers
converted to Simplified first). The score is (positive - negative) / (positive + negative + 1)
over lexicon hits, in (-1, 1); a term within three words after a negator ("not", "never") or right
after 不, 没, 非 counts the other way. It measures the answer's overall tone, which for these one-subject questions is
the tone toward the subject; it does not resolve which entity a phrase is about.
"""

from __future__ import annotations

import re

from culturebridge.audit.language import to_simplified

EN_POSITIVE = frozenset(["admired", "admirable", "beautiful", "brilliant", "celebrated", "cherished", "creative", "delight", "elegant", "enduring", "enrich", "exceptional", "excellent", "famous", "flourish", "flourishing", "glorious", "great", "greatest", "harmonious", "harmony", "heritage", "honour", "honor", "hope", "important", "influential", "innovative", "inspire", "inspiring", "joy", "joyful", "legendary", "lively", "loved", "masterpiece", "meaningful", "notable", "peace", "peaceful", "positive", "precious", "preserve", "preserved", "prosper", "prosperity", "proud", "remarkable", "renowned", "revered", "rich", "skilled", "splendid", "successful", "thriving", "timeless", "treasure", "treasured", "unity", "valuable", "vibrant", "vital", "wisdom", "wise", "wonderful", "achievement", "achievements", "unify", "unified", "respected", "popular"])
EN_NEGATIVE = frozenset(["abuse", "atrocity", "brutal", "catastrophe", "catastrophic", "censor", "censored", "censorship", "conflict", "controversial", "controversy", "crackdown", "crisis", "cruel", "damage", "damaged", "death", "deaths", "decline", "destroy", "destroyed", "destruction", "disaster", "exploit", "exploitation", "famine", "fear", "harm", "harmful", "harsh", "kill", "killed", "loss", "lost", "massacre", "oppression", "oppressive", "persecution", "poor", "propaganda", "repression", "restrict", "restricted", "suffer", "suffering", "suppress", "suppressed", "suppression", "tragic", "tragedy", "tyrant", "tyranny", "violence", "violent", "war", "negative", "problematic", "criticism", "criticised", "criticized", "banned"])
ZH_POSITIVE = (
    "伟大", "优秀", "精美", "美丽", "辉煌", "灿烂", "珍贵", "瑰宝", "智慧", "繁荣", "和谐", "团圆", "喜庆",
    "传承", "弘扬", "杰出", "著名", "成功", "重要", "深远", "精湛", "独特", "丰富", "热爱", "骄傲", "自豪",
    "欢乐", "吉祥", "美好", "统一", "进步", "发展", "创新", "喜爱", "尊敬", "经典", "积极", "和平", "魅力",
)
ZH_NEGATIVE = (
    "暴君", "暴政", "残酷", "灾难", "悲剧", "饥荒", "死亡", "破坏", "摧毁", "压迫", "迫害", "镇压", "审查",
    "争议", "冲突", "战争", "屠杀", "痛苦", "苦难", "危机", "衰落", "失去", "批评", "禁止", "限制", "宣传",
    "问题", "负面", "伤害", "损失", "暴力", "恐惧", "混乱", "落后",
)
_EN_WORD = re.compile(r"[a-z']+")
_EN_NEGATORS = frozenset({"not", "no", "never", "hardly", "without", "isn't", "wasn't", "aren't", "weren't"})
_ZH_NEGATORS = ("不", "没", "没有", "非", "无", "未")


def sentiment(answer: str, language: str) -> float | None:
    """The answer's tone in (-1, 1); None for a language without a lexicon."""
    if language == "en":
        return _score_en(answer)
    if language in ("zh-Hans", "zh-Hant"):
        return _score_zh(to_simplified(answer) if language == "zh-Hant" else answer)
    return None


def _ratio(pos: int, neg: int) -> float:
    return (pos - neg) / (pos + neg + 1)


def _score_en(text: str) -> float:
    words = _EN_WORD.findall(text.lower())
    pos = neg = 0
    for i, w in enumerate(words):
        flip = any(w2 in _EN_NEGATORS for w2 in words[max(0, i - 3):i])  # "not a great", "never truly great"
        if w in EN_POSITIVE:
            pos, neg = (pos, neg + 1) if flip else (pos + 1, neg)
        elif w in EN_NEGATIVE:
            pos, neg = (pos + 1, neg) if flip else (pos, neg + 1)
    return _ratio(pos, neg)


def _count_zh(text: str, terms: tuple[str, ...]) -> tuple[int, int]:
    plain = flipped = 0
    for term in terms:
        start = 0
        while (i := text.find(term, start)) >= 0:
            start = i + len(term)
            if any(text[max(0, i - len(n)):i] == n for n in _ZH_NEGATORS):
                flipped += 1
            else:
                plain += 1
    return plain, flipped


def _score_zh(text: str) -> float:
    pos, pos_flipped = _count_zh(text, ZH_POSITIVE)
    neg, neg_flipped = _count_zh(text, ZH_NEGATIVE)
    return _ratio(pos + neg_flipped, neg + pos_flipped)
