"""The one error hierarchy of culturebridge.

Every error a user can cause says what was wrong and what to do about it. The CLI turns
an `Error` into one line and an exit code (in `cli.run`); the web app turns it into an
HTTP status and a message (in `web.errors`). Foreign exceptions (SQLAlchemy, Pillow,
cryptography, subprocesses) are translated into these at the boundary where they occur.

The broad families below (`InvalidInput`, `NotFound`, `Conflict`, `PermissionDenied`,
`VerificationFailed`, `ExternalServiceError`, `ConfigurationError`) decide the exit code
and HTTP status; stages add specific conditions as subclasses, named for the condition.
"""

from __future__ import annotations


class Error(Exception):
    """Base of every error culturebridge raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostic(self) -> str:
        """One human line: what went wrong, then what to do."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


# --- families -------------------------------------------------------------------------


class InvalidInput(Error):
    """The caller gave something malformed, out of range or of the wrong type."""

    exit_code = 2


class NotFound(Error):
    """A named thing (work, asset, IP, user, job...) does not exist."""

    exit_code = 3


class Conflict(Error):
    """The request clashes with what is already stored (duplicate, stale state)."""

    exit_code = 4


class PermissionDenied(Error):
    """The caller is not allowed to do this (wrong role, someone else's work)."""

    exit_code = 5


class AuthenticationRequired(PermissionDenied):
    """No valid session, token or password was presented."""


class VerificationFailed(Error):
    """A signature, proof, hash or label did not verify. `check` names the failing check."""

    exit_code = 6

    def __init__(self, check: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{check}: {message}", hint=hint)
        self.check = check


class ExternalServiceError(Error):
    """A tool or service we call (ffmpeg, an LLM endpoint, a TSA, S3) failed."""

    exit_code = 7


class ConfigurationError(Error):
    """Settings, keys or the data directory are missing or inconsistent."""

    exit_code = 8


# --- catalog and storage ------------------------------------------------------------------


class WorkNotFound(NotFound):
    def __init__(self, work_id: str) -> None:
        super().__init__(f"work {work_id!r} does not exist", hint="list works with `culturebridge works list`")


class AssetNotFound(NotFound):
    def __init__(self, asset_id: str) -> None:
        super().__init__(f"asset {asset_id!r} does not exist")


class IPNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"IP {name!r} does not exist", hint="list IPs with `culturebridge ip list`")


class UserNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"user {name!r} does not exist")


class JobNotFound(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} does not exist")


class UnsupportedMedia(InvalidInput):
    """File content is not a media type we accept, or does not match its claimed type."""


class CorruptMedia(InvalidInput):
    """File claims a supported type but cannot be decoded (truncated, damaged)."""


class FileTooLarge(InvalidInput):
    """Upload exceeds the configured size limit or a decoder's safety limit."""


class DuplicateAsset(Conflict):
    """The same bytes are already an asset of this work."""


class LineageCycle(InvalidInput):
    """A derivation edge would make a work its own ancestor."""


class DataDirNotInitialised(ConfigurationError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"data directory {path} is not initialised",
            hint="run `culturebridge init` (or `culturebridge demo`) first",
        )


# --- rights ---------------------------------------------------------------------------------
# (rights-specific conditions go here)

# --- fingerprint -----------------------------------------------------------------------------
# (fingerprint-specific conditions go here)


class UndecodableMedia(CorruptMedia):
    """An image, audio or video file could not be decoded into pixels or samples."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(
            f"cannot decode {what}: {detail}",
            hint="check that the file is complete and of a supported image/audio/video format",
        )


class MediaTooLarge(FileTooLarge):
    """A decoded image would exceed the decompression-bomb pixel limit."""

    def __init__(self, pixels: int, limit: int) -> None:
        super().__init__(
            f"image has {pixels} pixels, more than the safety limit of {limit}",
            hint="downscale the image before fingerprinting it",
        )


class NoMediaContent(InvalidInput):
    """A file has no video stream, no frames or no audio samples to fingerprint."""

    def __init__(self, what: str) -> None:
        super().__init__(f"nothing to fingerprint: {what}", hint="give a file that contains it")


class FingerprintToolFailed(ExternalServiceError):
    """ffmpeg or fpcalc failed or timed out while fingerprinting."""

    def __init__(self, tool: str, detail: str) -> None:
        super().__init__(
            f"{tool} failed: {detail}",
            hint=f"check that {tool} is installed and the file plays in other players",
        )


class MalformedFingerprint(InvalidInput):
    """Stored fingerprint bytes or a saved library directory are damaged or of another version."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"malformed fingerprint data: {detail}",
            hint="re-fingerprint the asset or rebuild the library from its rows",
        )

# --- labels ------------------------------------------------------------------------------------
# (labels-specific conditions go here)

# --- review ------------------------------------------------------------------------------------
# (review-specific conditions go here)

# --- localize ----------------------------------------------------------------------------------
# (localize-specific conditions go here)

# --- feed --------------------------------------------------------------------------------------
# (feed-specific conditions go here)


class UnknownMarket(NotFound):
    """A feed request named a market the feed model was not built for."""

    def __init__(self, market: str, known: tuple[str, ...]) -> None:
        shown = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        super().__init__(
            f"market {market!r} is not served by this feed model",
            hint=f"use one of: {shown}" if known else "build the feed model with market data",
        )


class InvalidFeedRequest(InvalidInput):
    """A feed request is out of range (slot count, exploration share, unknown model)."""


class DatasetUnavailable(ConfigurationError):
    """An evaluation data set (MovieLens-100K from the recbole wheel) is missing or damaged."""
