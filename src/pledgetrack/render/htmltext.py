"""Building HTML text that is escaped by default.

Every string passed to :func:`el` as content or as an attribute value is escaped; only
:class:`Markup` (HTML built by :func:`el` itself, or trusted text wrapped on purpose) is kept as it
is. Record text therefore cannot inject markup unless someone wraps it in ``Markup`` by hand.
"""

from __future__ import annotations

import html
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


def escape(value: object) -> Markup:
    """``value`` as HTML text (quotes escaped too, so it is safe in attribute values)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def _attr_name(key: str) -> str:
    # class_ -> class, for_ -> for, aria_label -> aria-label, data_sort -> data-sort.
    return key.rstrip("_").replace("_", "-")


def content(children: Iterable[object]) -> Markup:
    """Children joined: Markup kept, None skipped, nested iterables flattened, the rest escaped."""
    out: list[str] = []
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str):
            out.append(escape(child))
        elif isinstance(child, Iterable):
            out.append(content(child))
        else:
            out.append(escape(child))
    return Markup("".join(out))


def el(tag: str, *children: object, **attrs: object) -> Markup:
    """An element. Attributes set to None or False are left out, True gives a bare attribute."""
    parts = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = _attr_name(key)
        parts.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    parts.append("/>" if tag in SVG_EMPTY else ">")
    if tag in VOID or tag in SVG_EMPTY:
        if children:
            raise ValueError(f"<{tag}> cannot have content")
        if tag in BLOCK:
            parts.append("\n")
        return Markup("".join(parts))
    parts.append(content(children))
    parts.append(f"</{tag}>\n" if tag in BLOCK else f"</{tag}>")
    return Markup("".join(parts))


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL fit for an ``href``, else None (javascript:,
    data:, relative paths and anything with spaces or control characters are refused)."""
    text = url.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text
