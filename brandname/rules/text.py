"""Text folding for search: what officers type matches with or without Vietnamese diacritics.
Pure Python, no Flask, no DB."""

from brandname.rules.names import strip_diacritics


def fold(text):
    """Lower case, diacritics removed (đ → d), spaces collapsed: "Sài  Gòn" → "sai gon"."""
    return " ".join(strip_diacritics(text or "").lower().split())


def like_escape(text, escape="\\"):
    """`text` with LIKE's wildcards (% and _) and the escape character taken literally."""
    return text.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")


def authority_parts(authority):
    """'Cục An toàn thông tin, Bộ Thông tin và Truyền thông' -> (issuing body, parent body or None).

    The parent is what follows the last comma (a body's own name may contain commas). The procedure
    may move between bodies, so every page, mail and document takes the name from configuration."""
    body, sep, parent = (authority or "").strip().rpartition(",")
    if not sep or not body.strip() or not parent.strip():
        return (authority or "").strip(), None
    return body.strip(), parent.strip()
