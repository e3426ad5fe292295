"""The error tree. Every error the bridge raises on purpose derives from BridgeError::

    BridgeError
     ├── ConfigError          bad or missing settings (lists every problem at once)
     ├── MappingError         invalid mappings/*.yaml (carries every MappingIssue)
     ├── InvalidSignature     a webhook or signed request failed verification
     ├── WorkflowError        an unknown id or a forbidden wish transition
     ├── UserError            a user that cannot be created or changed (taken name, short password, no such user)
     └── ConnectorError       a vendor call failed (names the endpoint, never a credential)
          ├── RetriableError  429, 5xx, time-outs: try again later (retry_after seconds if known)
          └── FatalError      401, 403, 404, 4xx: retrying will not help
"""

from __future__ import annotations

from dataclasses import dataclass


class BridgeError(Exception):
    """Base of every error Wishbridge raises on purpose."""


class ConfigError(BridgeError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True, order=True)
class MappingIssue:
    path: str
    line: int
    column: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.where}: {self.message}"


class MappingError(BridgeError):
    def __init__(self, issues: list[MappingIssue]) -> None:
        self.issues = sorted(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class InvalidSignature(BridgeError):
    """A webhook, signed URL or JWT did not verify; the reason never contains the secret."""


class WorkflowError(BridgeError):
    """An unknown wish or group id, or a transition the lifecycle forbids."""


class ConnectorError(BridgeError):
    def __init__(self, message: str, *, endpoint: str = "", status: int | None = None) -> None:
        self.endpoint = endpoint
        self.status = status
        where = f" ({status} from {endpoint})" if status else (f" ({endpoint})" if endpoint else "")
        super().__init__(message + where)


class RetriableError(ConnectorError):
    def __init__(
        self, message: str, *, endpoint: str = "", status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status)
        self.retry_after = retry_after


class FatalError(ConnectorError):
    pass


def reason(error: BaseException) -> str:
    """What went wrong, fit for logs and admin pages: 'Class: message' for the bridge's own errors, whose
    messages name endpoints and never secrets; only the class for any other error, whose text may quote the
    ticket data it failed on."""
    return f"{error.__class__.__name__}: {error}" if isinstance(error, BridgeError) else error.__class__.__name__
