"""Settings: declared once, loaded into a frozen object, passed explicitly.

Precedence: environment (`CULTUREBRIDGE_<NAME>`) > the data directory's
`culturebridge.toml` > defaults. `SETTINGS` is the single registry: it feeds the defaults,
the CLI's `settings` listing, validation, and `tests/test_docs.py`, which fails when a setting
is missing from docs/settings.md.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from culturebridge.errors import ConfigurationError

CONFIG_FILE = "culturebridge.toml"
ENV_PREFIX = "CULTUREBRIDGE_"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", Path, Path("./data"), "Folder holding the SQLite database, media, keys and indexes."),
    Setting("database_url", str, "", "SQLAlchemy URL; empty means SQLite at <data_dir>/culturebridge.db."),
    Setting("media_dir", Path, None, "Folder of content-addressed media; default <data_dir>/media."),
    Setting("max_upload_bytes", int, 512 * 1024 * 1024, "Largest file accepted by ingest, in bytes."),
    Setting("max_image_pixels", int, 64_000_000, "Largest decoded image accepted (decompression-bomb guard)."),
    Setting("fingerprint_cache_entries", int, 256,
            "Full fingerprints a process keeps in memory (LRU) for match checks; the rest are read from the database."),
    Setting("host", str, "127.0.0.1", "Address the web server listens on."),
    Setting("port", int, 8000, "Port the web server listens on."),
    Setting("session_days", int, 14, "How long a login session lasts, in days."),
    Setting("default_locale", str, "en", "Interface language when neither account nor browser chooses (en or zh)."),
    Setting("job_workers", int, 1, "Background job threads per process (0 disables the in-process worker)."),
    Setting("log_origin", str, "culturebridge.local/rights", "Origin line of the rights log's checkpoints."),
    Setting("tsa_url", str, "", "RFC 3161 timestamp authority URL; empty disables timestamping."),
    Setting("llm_base_url", str, "", "OpenAI-compatible endpoint for the optional LLM judge and engine."),
    Setting("llm_model", str, "", "Model name to ask the OpenAI-compatible endpoint for."),
    Setting("llm_api_key", str, "", "API key for the OpenAI-compatible endpoint (may be empty for local servers)."),
    Setting("mt_model_dir", str, "", "Directory of a CTranslate2 translation model; empty disables the MT engine."),
    Setting("label_propagator", str, "culturebridge", "GB 45438 ContentPropagator code this platform writes into AIGC labels (Annex E characters)."),
    Setting("insight_import_max_events", int, 5_000_000, "Most events one `events import` file may hold (the file is streamed; larger ones are refused)."),
    Setting("media_url", str, "", "Where media live: empty for the local media_dir, or s3://BUCKET/PREFIX for an S3-compatible store."),
    Setting("s3_endpoint_url", str, "", "S3 endpoint (MinIO, Ceph, a local test server); empty means AWS. Credentials come from AWS_* variables."),
    Setting("s3_region", str, "", "S3 region name; empty uses the AWS default chain."),
    Setting("media_sweep_grace_seconds", int, 3600, "Unreferenced blobs younger than this are kept by the sweep (ingests still in flight)."),
    Setting("job_lease_seconds", int, 60, "How long a job worker's claim lasts unless renewed; a killed worker's job is retried after it."),
    Setting("web_workers", int, 1, "Web server processes `serve` starts (each runs job_workers job threads)."),
    Setting("ray_address", str, "", "Ray cluster (HOST:PORT) for batch scans; empty runs them in this process."),
    Setting("create_endpoints", str, "", "Named generation endpoints, space-separated NAME=BASE_URL[@CHAT_MODEL][?images=M&speech=M&voice=V&key_env=VAR]; keys come from the environment."),
    Setting("create_endpoint", str, "", "Default generation endpoint: a name from create_endpoints or BASE_URL[@MODEL]; empty uses llm_base_url."),
    Setting("create_timeout_s", int, 120, "Seconds to wait for one generation request before it counts as failed."),
    Setting("create_max_image_bytes", int, 20_000_000, "Largest generated image accepted, in bytes."),
    Setting("create_image_size", str, "1024x1024", "Size asked of the images endpoint (WIDTHxHEIGHT)."),
    Setting("audit_concurrency", int, 4, "Requests in flight per audited endpoint (override per run with --concurrency)."),
    Setting("audit_timeout", int, 60, "Seconds an audited endpoint may take to answer one request."),
    Setting("audit_retries", int, 3, "Retries per audit cell on timeouts, HTTP 429/5xx, malformed or empty replies."),
    Setting("max_request_bytes", int, 1024 * 1024, "Largest body of any web request that is not a file upload (JSON, forms), counted as it streams."),
    Setting("max_unpacked_bytes", int, 256 * 1024 * 1024, "Largest total unpacked size of an archive-based file (DOCX) accepted by ingest (zip-bomb guard)."),
    Setting("db_busy_seconds", int, 10, "How long a write waits for the database's write lock before answering 503 (web) or failing (CLI)."),
    Setting("trusted_proxies", str, "", "Comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed; empty trusts none."),
    Setting("cookie_secure", str, "auto", "Session cookie Secure flag: auto (when the request is HTTPS), always, or never."),
    Setting("client_rate_per_minute", int, 600, "Anonymous requests (feed, events, verify) per client address and minute before 429."),
    Setting("viewer_rate_per_minute", int, 240, "Feed requests and events per audience viewer and minute before 429."),
    Setting("login_failures_allowed", int, 5, "Failed logins per account (and per client) before back-off; each further failure doubles the wait."),
    Setting("served_retention_days", int, 7, "Days served feed slots are kept row by row; older ones are rolled up into daily counts."),
    Setting("invite_days", int, 7, "Days an admin's invite link stays valid (it works once)."),
    Setting("reset_link_hours", int, 24, "Hours an admin's password-reset link stays valid (it works once)."),
    Setting("public_url", str, "", "Base URL people reach the studio at (e.g. https://studio.example.org), used in invite and reset links; empty: the request's own address (web) or http://host:port (CLI)."),
)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./data")
    database_url: str = ""
    media_dir: Path | None = None
    max_upload_bytes: int = 512 * 1024 * 1024
    max_image_pixels: int = 64_000_000
    fingerprint_cache_entries: int = 256
    host: str = "127.0.0.1"
    port: int = 8000
    session_days: int = 14
    default_locale: str = "en"
    job_workers: int = 1
    log_origin: str = "culturebridge.local/rights"
    tsa_url: str = ""
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    mt_model_dir: str = ""
    label_propagator: str = "culturebridge"
    insight_import_max_events: int = 5_000_000
    media_url: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    media_sweep_grace_seconds: int = 3600
    job_lease_seconds: int = 60
    web_workers: int = 1
    ray_address: str = ""
    create_endpoints: str = ""
    create_endpoint: str = ""
    create_timeout_s: int = 120
    create_max_image_bytes: int = 20_000_000
    create_image_size: str = "1024x1024"
    audit_concurrency: int = 4
    audit_timeout: int = 60
    audit_retries: int = 3
    max_request_bytes: int = 1024 * 1024
    max_unpacked_bytes: int = 256 * 1024 * 1024
    db_busy_seconds: int = 10
    trusted_proxies: str = ""
    cookie_secure: str = "auto"
    client_rate_per_minute: int = 600
    viewer_rate_per_minute: int = 240
    login_failures_allowed: int = 5
    served_retention_days: int = 7
    invite_days: int = 7
    reset_link_hours: int = 24
    public_url: str = ""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'culturebridge.db'}"

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with some settings replaced (values are validated)."""
        return replace(self, **{k: _coerce(_setting(k), v) for k, v in values.items()})


def load_settings(
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read settings: overrides > environment > <data_dir>/culturebridge.toml > defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if data_dir is None and (env_dir := env.get(ENV_PREFIX + "DATA_DIR")):
        data_dir = Path(env_dir)
    base = data_dir or SETTINGS[0].default
    config_path = Path(base) / CONFIG_FILE
    if config_path.exists():
        try:
            from_file = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"{config_path} is not valid TOML: {exc}") from exc
        for key, value in from_file.items():
            values[key] = _coerce(_setting(key, source=str(config_path)), value)
    for setting in SETTINGS:
        raw = env.get(ENV_PREFIX + setting.name.upper())
        if raw is not None:
            values[setting.name] = _coerce(setting, raw)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _coerce(_setting(key), value)
    if data_dir is not None:
        values["data_dir"] = Path(data_dir)
    return Settings(**values)


def _setting(name: str, source: str = "settings") -> Setting:
    for setting in SETTINGS:
        if setting.name == name:
            return setting
    known = ", ".join(s.name for s in SETTINGS)
    raise ConfigurationError(f"{source}: unknown setting {name!r}", hint=f"known settings: {known}")


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None:
        return None
    try:
        if setting.type is Path:
            return Path(value)
        if setting.type is int:
            if isinstance(value, bool):
                raise ValueError("a boolean is not a number")
            number = int(value)
            if number < 0:
                raise ValueError("must not be negative")
            return number
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"setting {setting.name}: {value!r} is not valid ({exc})") from exc

