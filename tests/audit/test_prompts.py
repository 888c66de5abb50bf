"""Prompts list the options in the prompt's language; choices are read back from the answer."""

from __future__ import annotations

import pytest

from culturebridge.audit.prompts import messages_for, parse_choice
from culturebridge.audit.questions import bundled_set_path, load_question_set

OPTIONS = ("Qu Yuan", "Confucius", "Li Bai", "Zheng He")


@pytest.mark.parametrize(("answer", "choice"), [
    ("B", 1), ("B.", 1), ("(C)", 2), ("Answer: D", 3), ("答案：A", 0), ("The answer is B", 1),
    ("Qu Yuan is remembered.", 0), ("A lot of people say Confucius", 1), ("I think b", None),
    ("It could be Qu Yuan or Li Bai", None), ("E", None),
])
def test_parse_choice(answer: str, choice: int | None) -> None:
    assert parse_choice(answer, OPTIONS) == choice


def test_messages_carry_options_and_instruction_in_language() -> None:
    q = load_question_set(bundled_set_path()).question("dragon-boat-origin")
    msgs = messages_for(q, "zh-Hant")
    assert msgs[0]["content"] == "請回答問題。"
    assert "A. 屈原" in msgs[1]["content"] and "請只回覆一個選項的字母。" in msgs[1]["content"]
    free = load_question_set(bundled_set_path()).question("mid-autumn-food")
    assert messages_for(free, "en")[1]["content"] == free.prompts["en"]
