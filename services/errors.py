"""Domain errors services raise; api/errors.py turns each into one HTTP answer."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose; `message` is shown to people."""

    status = 400

    def __init__(self, message: str, *, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidInput(DomainError):
    """The request is well-formed but its values are not acceptable (field-level errors)."""

    status = 422


class Unauthorized(DomainError):
    """The caller is not logged in, or the credentials are wrong or expired."""

    status = 401


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403


class NotFound(DomainError):
    """The object does not exist, or the caller may not know it exists."""

    status = 404


class Conflict(DomainError):
    """The object's current state does not allow this."""

    status = 409


class TooManyRequests(DomainError):
    """The caller, or WeChat, asks us to slow down."""

    status = 429


class Unavailable(DomainError):
    """A service we depend on did not answer; retrying later may work."""

    status = 503
