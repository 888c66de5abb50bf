"""What is sent for one question in one language, and how a choice is read back from the answer.

A multiple-choice prompt lists the options as A, B, C... and asks for the letter alone, in
the prompt's own language so the instruction does not bias the language of the answer.
"""

from __future__ import annotations

import re
import string

from culturebridge.audit.questions import Question

LETTERS = string.ascii_uppercase
_SYSTEM = {
    "en": "Answer the question.",
    "zh-Hans": "请回答问题。",
    "zh-Hant": "請回答問題。",
}
_CHOOSE = {
    "en": "Reply with the letter of exactly one option.",
    "zh-Hans": "请只回复一个选项的字母。",
    "zh-Hant": "請只回覆一個選項的字母。",
}


def messages_for(question: Question, language: str) -> list[dict[str, str]]:
    """The chat messages asking `question` in `language`."""
    user = question.prompts[language]
    if question.is_choice:
        lines = [f"{LETTERS[i]}. {opt}" for i, opt in enumerate(question.options[language])]
        user = "\n".join([user, *lines, _CHOOSE[language]])
    return [{"role": "system", "content": _SYSTEM[language]}, {"role": "user", "content": user}]


# A letter standing alone: "B", "B.", "(B)", "Answer: B", "答案：B" - not the article in "A lot".
_LEAD = re.compile(r"^\W*(?:(?:answer|option|choice|答案|选项|選項|选择|選擇)\s*(?:is)?\W*)?\(?([A-J])(?:$|[.)）:：、,，]|\s*\n)",
                   re.IGNORECASE)
_ANY = re.compile(r"(?<![A-Za-z])([A-J])(?![A-Za-z])")


def parse_choice(answer: str, options: tuple[str, ...]) -> int | None:
    """The option index the answer picks: a leading letter, else the one option text it quotes."""
    text = answer.strip()
    m = _LEAD.match(text)
    if m and m.group(1).isupper() and LETTERS.index(m.group(1).upper()) < len(options):
        return LETTERS.index(m.group(1).upper())
    quoted = [i for i, opt in enumerate(options) if opt and opt.casefold() in text.casefold()]
    if len(quoted) == 1:
        return quoted[0]
    letters = {m.group(1) for m in _ANY.finditer(text) if LETTERS.index(m.group(1)) < len(options)}
    if len(text) <= 40 and len(letters) == 1:
        return LETTERS.index(letters.pop())
    return None
