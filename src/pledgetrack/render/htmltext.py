"""Building HTML text that is escaped by default.

Every string passed to :func:`el` as content or as an attribute value is escaped; only
:class:`Markup` (HTML built by :func:`el` itself, or trusted text wrapped on purpose) is kept as it
is. Record text therefore cannot inject markup unless someone wraps it in ``Markup`` by hand.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# Elements that have no content and no end tag; the SVG ones must close themselves ("/>"), or
# the HTML parser would take what follows as their content.
VOID = frozenset({"meta", "link", "br", "hr", "img", "input"})
SVG_EMPTY = frozenset({"rect", "circle", "line", "path"})
# Elements followed by a line break, so that the page's source reads line by line (whitespace
# between these is not rendered).
BLOCK = frozenset({"html", "head", "body", "header", "main", "footer", "section", "article",
                   "div", "table", "thead", "tbody", "tfoot", "tr", "figure", "details", "ol",
                   "ul", "dl", "p", "li", "h1", "h2", "h3", "h4", "meta", "link", "title",
                   "style", "script", "svg", "g", "noscript", "caption", "blockquote"})


class Markup(str):
    """Text that is already HTML."""

    __slots__ = ()


class Fragment(list[str]):
    """HTML in pieces, joined only once at the end (see :func:`block`). Every piece is HTML."""

    __slots__ = ()

    def __str__(self) -> str:
        return "".join(self)


_LINE_BREAKS = str.maketrans({"\n": "&#10;", "\r": "&#13;"})


def _text(value: str) -> str:
    """HTML text, quotes escaped too (safe in attribute values). Line breaks become character
    references, which a browser reads the same: record text then never starts a line of the
    page's source, and a GitHub Actions runner, which acts on any line of a step's output that
    starts with '::', cannot be handed a workflow command when the page goes to stdout."""
    return html.escape(value, quote=True).translate(_LINE_BREAKS)


def escape(value: object) -> Markup:
    """``value`` as HTML text (quotes escaped too, so it is safe in attribute values)."""
    if isinstance(value, Markup):
        return value
    return Markup(_text(str(value)))


@functools.cache
def _attr_name(key: str) -> str:
    # class_ -> class, for_ -> for, aria_label -> aria-label, data_sort -> data-sort.
    return key.rstrip("_").replace("_", "-")


def _flatten(children: Iterable[object], out: list[str]) -> None:
    """Append children to ``out``: Markup and fragments kept, None and False skipped, other
    iterables flattened, anything else escaped."""
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, Markup):
            out.append(child)
        elif isinstance(child, str):
            out.append(_text(child))
        elif isinstance(child, Fragment):
            out.extend(child)
        elif isinstance(child, Iterable):
            _flatten(child, out)
        else:
            out.append(_text(str(child)))


def content(children: Iterable[object]) -> Markup:
    """Children as one piece of HTML (see :func:`_flatten`)."""
    out: list[str] = []
    _flatten(children, out)
    return Markup("".join(out))


def block(tag: str, *children: object, **attrs: object) -> Fragment:
    """An element, like :func:`el`, left in pieces: for the page's large containers, so that a
    page of thousands of pledges is joined once instead of once per level of nesting."""
    out = Fragment()
    start = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = _attr_name(key)
        start.append(f" {name}" if value is True
                     else f' {name}="{_text(str(value))}"')
    if tag in SVG_EMPTY or tag in VOID:
        if children:
            raise ValueError(f"<{tag}> cannot have content")
        start.append("/>" if tag in SVG_EMPTY else ">")
        if tag in BLOCK:
            start.append("\n")
        out.append("".join(start))
        return out
    start.append(">")
    out.append("".join(start))
    _flatten(children, out)
    out.append(f"</{tag}>\n" if tag in BLOCK else f"</{tag}>")
    return out


def el(tag: str, *children: object, **attrs: object) -> Markup:
    """An element. Attributes set to None or False are left out, True gives a bare attribute."""
    return Markup("".join(block(tag, *children, **attrs)))


_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL fit for an ``href``, else None (javascript:,
    data:, relative paths and anything with spaces or control characters are refused)."""
    text = url.strip()
    if not text or _UNSAFE_IN_URL.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text
