"""VietQR: the payload a Vietnamese banking app reads to prefill a transfer. Pure Python.

The payload is the EMVCo merchant-presented QR format as NAPAS profiles it for account
transfers (VietQR): a string of TLV fields, each an ID of two digits, a length of two digits
and the value, ending with a CRC-16/CCITT-FALSE over everything before it.

    00 payload format indicator "01"
    01 point of initiation: "12" (a dynamic code: it carries the amount of one fee)
    38 merchant account information (NAPAS)
       00 GUID "A000000727"
       01 beneficiary organization: 00 the bank's BIN (6 digits), 01 the account number
       02 service "QRIBFTTA" (fast transfer to an account)
    53 currency "704" (đồng)
    54 amount, in đồng, digits only
    58 country "VN"
    62 additional data: 08 purpose of the transfer (the content the accountant matches)
    63 CRC, 4 upper-case hex digits
"""

import re
import unicodedata
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_PURPOSE = 25  # EMVCo limit of an additional-data sub-field

_BIN = re.compile(r"^[0-9]{6}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,19}$")


@dataclass(frozen=True)
class Payee:
    """The account that receives the fees, as configured (BRANDNAME_PAYEE_*)."""

    bank_bin: str
    account: str
    bank_name: str = ""
    account_name: str = ""

    @classmethod
    def from_config(cls, bank_bin, account, bank_name="", account_name=""):
        """A Payee, or None when no account is configured; ValueError when it is malformed."""
        bank_bin, account = (bank_bin or "").strip(), "".join((account or "").split())
        if not bank_bin and not account:
            return None
        if not _BIN.match(bank_bin):
            raise ValueError(f"BRANDNAME_PAYEE_BANK_BIN must be the bank's 6-digit BIN, not {bank_bin!r}")
        if not _ACCOUNT.match(account):
            raise ValueError("BRANDNAME_PAYEE_ACCOUNT must be 1-19 letters or digits")
        return cls(bank_bin, account, (bank_name or "").strip(), (account_name or "").strip())


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(tag) != 2 or not tag.isdigit():
        raise ValueError(f"bad tag {tag!r}")
    if len(value) > 99:
        raise ValueError(f"field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def transfer_content(text: str) -> str:
    """The transfer content as banks carry it: Latin letters without diacritics, digits and
    spaces, upper case, at most 25 characters."""
    folded = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = re.sub(r"[^0-9A-Za-z ]+", " ", folded)
    return " ".join(folded.upper().split())[:MAX_PURPOSE].strip()


def payload(payee: Payee, amount_vnd: int, purpose: str) -> str:
    """The VietQR string for a transfer of `amount_vnd` đồng to `payee`, content `purpose`."""
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool) or amount_vnd <= 0:
        raise ValueError("the amount must be a positive whole number of đồng")
    content = transfer_content(purpose)
    beneficiary = tlv("00", payee.bank_bin) + tlv("01", payee.account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("38", merchant)
        + tlv("53", CURRENCY_VND)
        + tlv("54", str(amount_vnd))
        + tlv("58", COUNTRY_VN)
        + (tlv("62", tlv("08", content)) if content else "")
        + "6304"
    )
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def parse(text: str) -> dict:
    """The top-level fields of a payload, {tag: value}; ValueError if it is not well formed."""
    fields, i = {}, 0
    while i < len(text):
        if i + 4 > len(text):
            raise ValueError("truncated field header")
        tag, length = text[i : i + 2], int(text[i + 2 : i + 4])
        value = text[i + 4 : i + 4 + length]
        if len(value) != length:
            raise ValueError(f"field {tag} is truncated")
        fields[tag] = value
        i += 4 + length
    return fields


def crc_ok(text: str) -> bool:
    """True when the payload ends with field 63 holding the CRC of everything before its value."""
    return (
        len(text) > 8
        and text[-8:-4] == "6304"
        and f"{crc16_ccitt_false(text[:-4].encode('ascii')):04X}" == text[-4:]
    )
