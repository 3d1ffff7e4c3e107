"""The dossier code (mã hồ sơ) an application gets at submission. Pure Python.

"BN-YYMM-XXXXXX": the Hanoi year and month of receipt, then six characters drawn at random from
an alphabet without the characters a reader confuses (0/O, 1/I/L, U/V), so the code can be read
out over the phone and typed back. 29^6 (about 595 million) codes a month: a stranger cannot
guess one, and tracking asks the applicant's email or tax code besides.
"""

import re
import secrets

from brandname_carrier.rules import local_date

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
RANDOM_LENGTH = 6
PREFIX = "BN"
PATTERN = re.compile(rf"^{PREFIX}-\d{{4}}-[{ALPHABET}]{{{RANDOM_LENGTH}}}$")


def new_code(received_at, choice=secrets.choice):
    """A fresh code for a dossier received at `received_at` (naive UTC)."""
    day = local_date(received_at)
    tail = "".join(choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{PREFIX}-{day:%y%m}-{tail}"


def normalize(text):
    """A code as typed (lower case, spaces or no dashes) in its canonical form, or None when it
    cannot be one."""
    compact = re.sub(r"[\s\-_.]+", "", (text or "").upper())
    if len(compact) != len(PREFIX) + 4 + RANDOM_LENGTH or not compact.startswith(PREFIX):
        return None
    code = f"{PREFIX}-{compact[2:6]}-{compact[6:]}"
    return code if PATTERN.match(code) else None
