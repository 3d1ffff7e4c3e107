"""Art. 23(4) confusion control as plain rules: which names are near misses of each other, and
what a warning says. The database questions that use them are in lifecycle/queries.py.

A near miss is a name whose confusable key is one edit (insert, delete, substitute, or swap two
neighbours: the optimal string alignment distance) away from the key of a registered or watched
name of at least NEAR_MISS_MIN characters. Instead of comparing with every name, the registry
lists every key one edit away from the asked name's key (a few hundred strings) and looks them
up in the confusable-key index, so the cost does not grow with the size of the registry.

The rules themselves live in the carrier client's pure rules module (one copy): a carrier's
offline copy must find the same look-alikes as the registry's own answer.
"""

from brandname_carrier.rules import KEY_ALPHABET as KEY_ALPHABET
from brandname_carrier.rules import NEAR_MISS_MIN as NEAR_MISS_MIN
from brandname_carrier.rules import PROTECTED_CATEGORIES as PROTECTED_CATEGORIES
from brandname_carrier.rules import TARGET_CATEGORIES as TARGET_CATEGORIES
from brandname_carrier.rules import filing_keys as filing_keys
from brandname_carrier.rules import impersonates as impersonates
from brandname_carrier.rules import is_near_miss as is_near_miss
from brandname_carrier.rules import kind_between as kind_between
from brandname_carrier.rules import lookalike_list as lookalike_list
from brandname_carrier.rules import one_edit_neighbours as one_edit_neighbours
from brandname_carrier.rules import plain as plain
from brandname_carrier.rules import resemblance_keys as resemblance_keys
from brandname_carrier.rules import watch_match as watch_match
from brandname_carrier.rules import within_one_edit as within_one_edit

WARNING_KINDS = ("lookalike", "soundalike", "near_miss", "watchlist")
WATCH_CATEGORIES = (*PROTECTED_CATEGORIES, "sensitive")
