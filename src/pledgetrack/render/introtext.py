"""An editor's introduction to the HTML page: Markdown made into HTML that is safe in the page.

markdown-it-py (CommonMark, already installed with Rich) does the parsing. Raw HTML in the
Markdown is shown as text (``html=False``), links are kept only for http(s) URLs (any other
link, javascript: or data: included, stays as its Markdown text), and images are not made at
all: the page loads nothing from elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pledgetrack.render.htmltext import Markup, safe_url

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict


def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # An image would be a request to another site (and the page's policy would block it).
    md.disable("image")
    # The link rule asks validateLink before it makes a link; autolinks (<https://…>) too.
    md.validateLink = lambda url: safe_url(url) is not None  # type: ignore[method-assign]

    def link_open(self: RendererHTML, tokens: Sequence[Token], idx: int,
                  options: OptionsDict, env: EnvType) -> str:
        tokens[idx].attrSet("rel", "noreferrer")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def intro_html(text: str) -> Markup:
    """``text`` (Markdown) as HTML; headings start at level 2, under the page's title."""
    md = _parser()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # The page has one h1 (its title); the editor's "#" becomes an h2, and so on.
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
    return Markup(md.renderer.render(tokens, md.options, {}))
