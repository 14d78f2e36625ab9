"""Domain exceptions: a stable code for machines, a translatable message for people."""
from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. `message` is a lazy_gettext string, shown in the user's language."""

    code = "domain_error"
    status = 400

    def __init__(self, message, *, code: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class ValidationError(DomainError):
    """Input broke one or more rules; `errors` maps a field name to its message."""

    code = "validation_error"
    status = 422

    def __init__(self, errors: dict, *, code: str | None = None):
        self.errors = errors
        first = next(iter(errors.values()))
        super().__init__(first, code=code)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Collector:
    """Gathers every field error of one input, so the user sees them all at once."""

    def __init__(self):
        self.errors: dict = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
