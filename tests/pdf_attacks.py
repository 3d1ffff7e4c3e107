"""Hostile PDFs for the public upload check, built byte by byte."""

import zlib


def field_bomb(fields=20, inflated=4 * 1024 * 1024):
    """A PDF whose every signature field sits in its own compressed object stream, each stream a
    few KB that inflates to `inflated` bytes: a reader resolving the fields inflates them all."""
    objects = {}  # number -> bytes of a plain object
    first_field = 4
    field_numbers = list(range(first_field, first_field + fields))
    stream_numbers = list(range(first_field + fields, first_field + 2 * fields))
    refs = b" ".join(b"%d 0 R" % n for n in field_numbers)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + refs + b"] /SigFlags 3 >> >>"
    objects[2] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    objects[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    for i, (field, stream) in enumerate(zip(field_numbers, stream_numbers, strict=True)):
        body = (
            b"<< /FT /Sig /T (Sig%d) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R "
            b"/V << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
            b"/ByteRange [0 10 20 10] /Contents <%s> >> >>" % (i, b"00" * 64)
        )
        header = b"%d 0 " % field
        content = header + body + b" " * (inflated - len(header) - len(body))
        packed = zlib.compress(content, 9)
        objects[stream] = (
            b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(header), len(packed))
            + packed
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref_number = first_field + 2 * fields
    size = xref_number + 1
    rows = [b"\x00\x00\x00\x00\xff\xff"]
    for number in range(1, size):
        if number in offsets:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00")
        elif number in field_numbers:
            rows.append(b"\x02" + stream_numbers[field_numbers.index(number)].to_bytes(4, "big") + b"\x00")
        else:  # the xref stream itself
            rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00")
    table = zlib.compress(b"".join(rows))
    xref_at = len(out)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % (xref_number, size, len(table))
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return bytes(out)
