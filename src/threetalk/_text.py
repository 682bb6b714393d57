"""Text in several languages: one frozen mapping from a language code to a string.

Everything a user may want to read in their own language (step titles, outcomes, prompts,
the words of a refusal) is a :class:`Text`; which languages there are is data, not code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final

from threetalk._exceptions import InvalidInput

_LANGUAGE: Final = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class Text(Mapping[str, str]):
    """The same words in several languages, by language code (``"nl"``, ``"en"``, ...).

    Frozen and hashable; compare equal when they hold the same languages and words.

    >>> title = Text(nl="Voorbereiding", en="Preparation")
    >>> title["nl"], sorted(title)
    ('Voorbereiding', ['en', 'nl'])
    >>> title.language("de")
    Traceback (most recent call last):
    ...
    threetalk.InvalidInput: language: 'de' is not one of en, nl

    Args:
        words: A mapping from language code to text.
        **more: Further languages as keywords (``nl="..."``).

    Raises:
        InvalidInput: A language code is not a lower-case code such as ``nl`` or ``pt-BR``,
            or a text is not a non-blank string.
    """

    __slots__ = ("_words",)

    _words: dict[str, str]

    def __init__(self, words: Mapping[str, str] | None = None, /, **more: str) -> None:
        given = dict(words or {})
        given.update(more)
        for language, text in given.items():
            if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
                msg = f"language: {language!r} is not a language code such as 'nl' or 'en'"
                raise InvalidInput(msg, "language")
            if not isinstance(text, str) or not text.strip():
                msg = f"text: the {language!r} text must be a non-blank string, got {text!r:.60}"
                raise InvalidInput(msg, "text")
        object.__setattr__(self, "_words", dict(sorted(given.items())))

    def __setattr__(self, name: str, value: object) -> None:
        msg = "Text is frozen"
        raise AttributeError(msg)

    def __reduce__(self) -> tuple[type[Text], tuple[dict[str, str]]]:
        return (Text, (self._words,))

    def __getitem__(self, language: str) -> str:
        return self._words[language]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return self._words == other._words
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._words.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{language}={text!r}" for language, text in self._words.items())
        return f"Text({inner})"

    def language(self, language: str) -> str:
        """The text in ``language``.

        Raises:
            InvalidInput: There is no text in ``language``; the message names the languages
                there are.
        """
        check_language(language)
        found = self._words.get(language)
        if found is None:
            raise unknown_language(language, self._words)
        return found


def check_language(language: object) -> str:
    """``language`` if it is a language code.

    Raises:
        InvalidInput: It is not a string that looks like a language code.
    """
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        msg = f"language: expected a language code such as 'nl' or 'en', got {language!r:.40}"
        raise InvalidInput(msg, "language")
    return language


def unknown_language(language: str, there: Iterator[str] | Mapping[str, object]) -> InvalidInput:
    """The error for a language that is not there, naming the ones that are."""
    known = ", ".join(sorted(there))
    return InvalidInput(f"language: {language!r} is not one of {known}", "language")
