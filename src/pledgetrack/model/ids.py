"""Pledge ids: what a valid id is (a lowercase slug, which also keeps ids safe in paths), and ids
derived from titles: short lowercase slugs (``japan-asean-cyber-capacity``)."""

from __future__ import annotations

import re
import unicodedata

MAX_DERIVED_LENGTH = 40

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_ID_LENGTH = 80


def id_error(pledge_id: str) -> str | None:
    """Why ``pledge_id`` is not a valid id, or None. Also guards paths: no '/', '..', NUL."""
    if not pledge_id:
        return "an id cannot be empty"
    if len(pledge_id) > MAX_ID_LENGTH:
        return f"id '{pledge_id[:20]}…' is longer than {MAX_ID_LENGTH} characters"
    # fullmatch: with match, "$" would also accept a trailing line break ("x\n").
    if not ID_PATTERN.fullmatch(pledge_id):
        return (f"id {pledge_id!r} must be a lowercase slug: letters a-z, digits and '-', "
                "starting with a letter or digit")
    return None


# Latin letters that Unicode does not decompose into a base letter and a mark.
_FOLD = str.maketrans({
    "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae",
    "Æ": "AE", "œ": "oe", "Œ": "OE", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    "\u0131": "i",  # dotless i
})
_STOPWORDS = frozenset((
    "a", "the", "of", "for", "to", "in", "on", "and", "with", "by", "at", "from", "its", "their",
    "into", "as",
))


def slugify(title: str, max_length: int = MAX_DERIVED_LENGTH) -> str:
    """A short slug of the Latin letters and digits of ``title`` (accents folded, small words
    dropped, cut at a word boundary); empty when the title has none (Japanese, Thai …)."""
    folded = unicodedata.normalize("NFKD", title.translate(_FOLD))
    # Marks go (é -> e); anything else that is not an ASCII letter or digit separates words.
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = re.findall(r"[a-z0-9]+", re.sub(r"[^A-Za-z0-9]+", " ", bare).lower())
    if not any(ch.isalpha() for word in words for ch in word):
        return ""
    kept = [w for w in words if w not in _STOPWORDS] or words
    slug = ""
    for word in kept:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and kept:
        slug = kept[0][:max_length]
    return slug
