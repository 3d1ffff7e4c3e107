"""Checking PDFs from strangers without letting one stall or bloat the web worker.

Two defences, both before pyHanko sees the file in the worker:
  1. `prescan` reads the raw bytes with a few regular expressions and inflates the Flate streams
     with a hard budget. It refuses a file with too many objects, object streams or signature
     fields, or with more inflated data than a certificate could ever need (an ordinary registry
     certificate has about 40 objects, no object stream, one signature field and 100 KB of
     inflated content).
  2. `check_isolated` runs the signature check and the attachment extraction in a child process
     (a fork of multiprocessing's fork server, which has pyHanko imported already) with CPU-time
     and address-space limits (the `resource` module, set by the child itself before it parses)
     and a wall-clock timeout enforced by the parent (the child is killed). The child gets the registry's public certificates only, never a key. Whatever it
     allocates goes away with it, so the worker's memory stays where it was.

No Flask here; the public route passes its settings in.
"""

import multiprocessing
import re
import threading
import zlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from brandname.certificates import signing


@dataclass(frozen=True)
class Limits:
    max_objects: int = 2000
    max_object_streams: int = 16
    max_signature_fields: int = 4
    max_inflated_bytes: int = 16 * 1024 * 1024  # the whole file's Flate streams together
    timeout_seconds: float = 4.0  # wall clock, the parent kills the child after it
    cpu_seconds: int = 5  # RLIMIT_CPU of the child
    memory_mb: int = 1024  # RLIMIT_AS of the child (virtual: Python and pyHanko take ~300 MB)


# Why a file was refused or not checked, in both languages (verification.PROBLEMS has the rest).
PROBLEMS = {
    "abusive_structure": (
        "Tệp bị từ chối trước khi kiểm tra: cấu trúc PDF bất thường ({detail}). Giấy chứng nhận do "
        "sổ đăng ký cấp không có cấu trúc như vậy.",
        "The file was refused before checking: its PDF structure is abnormal ({detail}). A "
        "certificate issued by the registry has no such structure.",
    ),
    "check_limit": (
        "Tệp bị từ chối: việc kiểm tra vượt quá giới hạn thời gian hoặc bộ nhớ. Giấy chứng nhận do "
        "sổ đăng ký cấp được kiểm tra trong chưa đầy một giây.",
        "The file was refused: checking it went over the time or memory limit. A certificate "
        "issued by the registry is checked in under a second.",
    ),
}

_OBJ = re.compile(rb"(?<![0-9])[0-9]{1,10}\s+[0-9]{1,5}\s+obj\b")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm\b")
_SIG_FIELD = re.compile(rb"/FT\s*/Sig\b")
_STREAM = re.compile(rb"stream\r?\n")
_N = re.compile(rb"/N\s+([0-9]{1,9})")


def prescan(data, limits=Limits()):
    """None when the structure is within `limits`, else a short English reason.

    Cheap and bounded: one pass of regular expressions over the raw bytes, and each Flate stream
    inflated only as far as the remaining budget allows. Objects and signature fields hidden in
    compressed object streams are counted in the inflated text.
    """
    data = bytes(data)
    objects = len(_OBJ.findall(data))
    object_streams = 0
    for match in _OBJSTM.finditer(data):
        object_streams += 1
        window = data[max(0, match.start() - 300) : match.end() + 300]
        counts = [int(n) for n in _N.findall(window)]
        objects += max(counts, default=0)
    if object_streams > limits.max_object_streams:
        return f"{object_streams} object streams (at most {limits.max_object_streams})"
    if objects > limits.max_objects:
        return f"{objects} objects (at most {limits.max_objects})"
    fields = len(_SIG_FIELD.findall(data))
    budget = limits.max_inflated_bytes
    view = memoryview(data)
    for match in _STREAM.finditer(data):
        body = data[match.end() : match.end() + 2]
        if len(body) < 2 or body[0] & 0x0F != 8 or ((body[0] << 8) | body[1]) % 31:
            continue  # not a zlib header: not a Flate stream we need to look into
        inflater = zlib.decompressobj()
        try:
            # The compressed input is bounded by the file; the output by what budget remains.
            out = inflater.decompress(view[match.end() :], budget + 1)
        except zlib.error:
            continue
        budget -= len(out)
        if budget < 0:
            return f"more than {limits.max_inflated_bytes // (1024 * 1024)} MB of inflated streams"
        fields += len(_SIG_FIELD.findall(out))
        objects += len(_OBJSTM.findall(out))  # object streams may not nest; count as objects
    if fields > limits.max_signature_fields:
        return f"{fields} signature fields (at most {limits.max_signature_fields})"
    return None


@dataclass(frozen=True)
class IsolatedCheck:
    """The child's answer: the signature check and the two embedded files of the record."""

    check: signing.PdfSignatureCheck
    files: dict


def refused(problem, detail):
    return IsolatedCheck(signing.PdfSignatureCheck(problem, detail=detail), {})


_PRELOAD = [
    "brandname.certificates.untrusted",
    "brandname.certificates.pdf",
    "pyhanko.pdf_utils.reader",
    "pyhanko.sign.validation",
    "pyhanko_certvalidator",
]
_context_lock = threading.Lock()
_context = None


def _fork_context():
    """multiprocessing's fork server, started once per worker with pyHanko already imported:
    each check is then a fork of a small clean process (milliseconds), not a new interpreter."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            _context = context
        return _context


def check_isolated(keys, data, limits=Limits(), at=None):
    """Pre-scan `data`, then check its signature and read its record in a limited child process.

    Never raises on bad input: an abusive file is refused with problem "abusive_structure", a
    child that runs out of time or memory with "check_limit".
    """
    from brandname.certificates import pdf as certificate_pdf

    if not isinstance(data, (bytes, bytearray)) or b"%PDF-" not in bytes(data[:1024]):
        return refused("not_pdf", "no PDF header")
    reason = prescan(data, limits)
    if reason is not None:
        return refused("abusive_structure", reason)
    request = {
        "chain": keys.pem_chain(),
        # what a long-term signature is judged by: the root's CRL and the TSA's certificates
        "crl": keys.crl_der(),
        "tsa_roots": [c.public_bytes(serialization.Encoding.DER) for c in keys.tsa_roots],
        "pdf": bytes(data),
        "at": at,
        "cpu_seconds": limits.cpu_seconds,
        "memory_mb": limits.memory_mb,
        "wanted": [certificate_pdf.RECORD_FILE, certificate_pdf.SIGNATURE_FILE, certificate_pdf.LOG_FILE],
    }
    context = _fork_context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, request), daemon=True)
    child.start()
    send.close()
    answer, timed_out = None, False
    try:
        if receive.poll(limits.timeout_seconds):
            answer = receive.recv()
        else:
            timed_out = True
    except (EOFError, OSError):  # the child died (CPU or memory limit) before answering
        pass
    finally:
        receive.close()
        child.join(0 if timed_out else 1)
        if child.is_alive():
            child.kill()
            child.join(1)
    if timed_out:
        return refused("check_limit", f"no answer within {limits.timeout_seconds:g} s (killed)")
    if answer is None:
        return refused("check_limit", f"checker ended with status {child.exitcode}")
    check, files = answer
    return IsolatedCheck(check, files)


def _child(send, request):
    """The isolated checker: limits first, then the check; the answer goes back on the pipe."""
    import logging
    import resource

    cpu = int(request["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    memory = int(request["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    logging.disable(logging.CRITICAL)  # the parent logs one line per refused file
    from brandname.certificates import pdf as certificate_pdf

    keys = signing.PublicKeys.from_pem_chain(
        request["chain"],
        crl_der=request["crl"],
        tsa_roots=[x509.load_der_x509_certificate(der) for der in request["tsa_roots"]],
    )
    data = request["pdf"]
    check = signing.check_pdf(keys, data, at=request["at"])
    files = {}
    if check.ok:
        found = certificate_pdf.read_attachments(data)
        files = {name: found[name] for name in request["wanted"] if name in found}
    send.send((check, files))
    send.close()
