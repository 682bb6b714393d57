"""The words of reasons and advisories in other languages, from ``catalogues/messages.toml``.

English is what a conversation records (``Reason.message``, ``Advisory.message``); every
other language is rendered from a reason's ``params`` with the catalogue's templates
(``string.Template``: ``${name}`` is replaced, nothing is evaluated). A reason recorded
without params, or one whose code the catalogue does not know (a rule of your own), is
shown in its recorded English where the template needs what it lacks.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from string import Template
from typing import Any, Final

from threetalk._text import check_language, unknown_language

#: The language a conversation records its messages in.
RECORDED: Final = "en"

#: Parameters whose values are looked up in the catalogue's words (phases, roles, ...).
_WORDS: Final = frozenset({"phase", "from", "to", "role", "command", "act"})
#: List parameters joined with "or" (the rest are joined with "and").
_ALTERNATIVES: Final = frozenset({"phases"})
#: Parameters whose items are people's own words, shown in quotation marks.
_QUOTED: Final = frozenset({"questions"})


@functools.cache
def catalogue() -> Mapping[str, Any]:
    """The message catalogue shipped with threetalk, read once."""
    text = resources.files("threetalk").joinpath("catalogues/messages.toml").read_text("utf-8")
    return tomllib.loads(text)


def languages() -> frozenset[str]:
    """Every language reasons and advisories can be read in."""
    return frozenset({RECORDED, *catalogue().get("words", {})})


def render(code: str, params: Mapping[str, Any], message: str, language: str) -> str:
    """``message`` (recorded in English) in ``language``.

    Args:
        code: The reason's or advisory's code.
        params: What its message is built from (empty for one recorded without them).
        message: The recorded English text.
        language: The language wanted.

    Raises:
        InvalidInput: ``language`` is not one there is; the message names those there are.
    """
    check_language(language)
    there = languages()
    if language not in there:
        raise unknown_language(language, dict.fromkeys(there))
    if language == RECORDED:
        return message
    template = catalogue().get("messages", {}).get(code, {}).get(language)
    if isinstance(template, Mapping):
        template = template.get(str(params.get("case", "")))
    if not isinstance(template, str):
        return message
    words = catalogue()["words"][language]
    values = {name: _word(name, value, words) for name, value in params.items()}
    try:
        return Template(template).substitute(values)
    except (KeyError, ValueError):
        return message  # recorded before params existed: the English is all there is


def _word(name: str, value: Any, words: Mapping[str, str]) -> str:
    if isinstance(value, list | tuple):
        items = [_word(name, item, words) for item in value]
        conjunction = words["or" if name in _ALTERNATIVES else "and"]
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
    text = str(value)
    if name in _WORDS or name in _ALTERNATIVES:
        return words.get(text, text)
    if name in _QUOTED:
        return f"“{text}”"
    return text
