"""Text folding for search: what officers type matches with or without Vietnamese diacritics.
Pure Python, no Flask, no DB."""

from brandname.rules.names import strip_diacritics


def fold(text):
    """Lower case, diacritics removed (đ → d), spaces collapsed: "Sài  Gòn" → "sai gon"."""
    return " ".join(strip_diacritics(text or "").lower().split())


def like_escape(text, escape="\\"):
    """`text` with LIKE's wildcards (% and _) and the escape character taken literally."""
    return text.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")
