"""A griffe extension for the docs site: show the docstrings' doctests and roles as code.

threetalk's docstrings hold doctests as plain ``>>>`` paragraphs (pytest runs them), not
inside an ``Examples:`` section. Rendered as Markdown, such a paragraph would read as nested
block quotes, and a result such as ``['wrong-phase']`` as a link to nowhere (which
``mkdocs build --strict`` rightly refuses). This extension fences each such paragraph as a
``pycon`` code block before mkdocstrings renders it. The docstrings also name other objects
with Sphinx roles (``:class:`Phase```), which Markdown would show as they are; each becomes
a code span with the name as the reader sees it (``Phase``). The source stays as it is.

mkdocs.yml loads it by path (``extensions: [tools/griffe_doctests.py]``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Fence every paragraph that starts with ``>>>`` as a ``pycon`` code block.

    A paragraph ends at a blank line or at a line indented less than its first line; the
    fences take the paragraph's indentation, so a doctest inside a section stays there.

    >>> fence_doctests("Text.\\n\\n>>> 1 + 1\\n2\\n\\nMore.").split("\\n")
    ['Text.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'More.']
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


_ROLE = re.compile(r":(?:class|func|meth|data|attr|exc|mod|obj):`([^`<]*?)(?:\s*<[^>`]*>)?`")


def plain_roles(text: str) -> str:
    """Turn each Sphinx role into a code span of the name it shows.

    A leading ``~`` shows the last part of a dotted name; ``title <target>`` shows the title.

    >>> plain_roles(":class:`~threetalk.Phase` and :meth:`Refused.to_dict <x.Refused.to_dict>`")
    '`Phase` and `Refused.to_dict`'
    >>> plain_roles(":func:`threetalk.replay`")
    '`threetalk.replay`'
    """

    def shown(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("~"):
            name = name[1:].rsplit(".", 1)[-1]
        return f"`{name}`"

    return _ROLE.sub(shown, text)


class FenceDoctests(griffe.Extension):
    """Fences the doctests, and turns the roles into code, of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:  # noqa: ARG002
        """Rewrite ``obj``'s docstring, if it has one, for Markdown."""
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(fence_doctests(obj.docstring.value))
