"""Domain errors: every refusal carries a stable code and a message in Vietnamese and English."""


class DomainError(Exception):
    """A rule of the registry refused the request; nothing was changed."""

    status = 422
    code = "domain_error"

    def __init__(self, message_vi, message_en=None, *, code=None, details=None):
        super().__init__(message_en or message_vi)
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        if code:
            self.code = code
        self.details = details or {}

    def message(self, lang="vi"):
        return self.message_en if lang == "en" else self.message_vi

    def as_dict(self):
        return {
            "error": self.code,
            "message": self.message_vi,
            "message_en": self.message_en,
            **({"details": self.details} if self.details else {}),
        }


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class InvalidName(InvalidInput):
    """A proposed sender name breaks one or more Art. 23 format rules."""

    code = "invalid_name"

    def __init__(self, name, errors):
        self.name = name
        self.errors = list(errors)
        super().__init__(
            "Tên định danh không hợp lệ: " + "; ".join(e.message_vi for e in self.errors),
            "Invalid sender name: " + "; ".join(e.message_en for e in self.errors),
            details={"name": name, "errors": [e.as_dict() for e in self.errors]},
        )


class NotAllowed(DomainError):
    """The state machine does not allow this act now."""

    status = 409
    code = "not_allowed"


class Conflict(DomainError):
    """Someone else already holds, reserved or asked first for this name."""

    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class TooManyAttempts(DomainError):
    """Too many failed attempts from this client: it waits until `retry_at` (naive UTC)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message_vi, message_en=None, *, retry_at, **kw):
        super().__init__(message_vi, message_en, **kw)
        self.retry_at = retry_at
