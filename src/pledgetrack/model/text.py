"""Characters in record text that a terminal would act on instead of showing."""

from __future__ import annotations

import re

# C0 (tab and newline aside: they lay text out), DEL and C1. ESC starts terminal sequences that
# retitle the window, clear the screen or move the cursor; a lone CR lets text overwrite a line;
# C1's CSI (U+009B) is ESC [ on 8-bit terminals. The bidirectional embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069) reorder what follows them on screen, so a row can be
# made to read otherwise than it is ("Trojan Source", CVE-2021-42574); right-to-left text does not
# need them, and the marks U+200E/U+200F are left alone.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def first_control(text: str) -> str | None:
    """The first control character in ``text`` (see CONTROL_CHARACTERS), or None."""
    if text.isprintable():  # the common case, without the pattern
        return None
    match = CONTROL_CHARACTERS.search(text)
    return None if match is None else match.group()
