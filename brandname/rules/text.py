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


# Control characters (C0 and DEL). None belongs in a sender name, an email, a serial or a URL, and
# PostgreSQL cannot even store NUL in a text column.
_CONTROL = "".join(map(chr, range(0x20))) + "\x7f"
_CONTROL_TABLE = dict.fromkeys(map(ord, _CONTROL))


def has_control_characters(text):
    """Whether `text` contains a control character (C0 or DEL)."""
    return len(text.translate(_CONTROL_TABLE)) != len(text)


def has_nul(text):
    return "\x00" in text


def nesting_deeper_than(value, limit):
    """Whether parsed JSON `value` nests lists and objects more than `limit` levels, found
    without recursion (so a hostile document cannot exhaust the interpreter's stack)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
