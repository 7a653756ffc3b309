"""One place for every setting, read from the environment (and `.env`)."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"


def _persistent_secret(name: str) -> str:
    """Return a random secret kept under `var/` so it survives restarts of a dev machine."""
    path = VAR_DIR / name
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


class Settings(BaseSettings):
    """Swarmdesk settings; each field is read from the upper-case environment variable of its name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(default="development", validation_alias="SWARMDESK_ENV")
    database_url: str = f"sqlite:///{VAR_DIR / 'swarmdesk.db'}"
    # SQLite's fsync per commit (FULL) or at checkpoints only (NORMAL: a crash of the app loses nothing; a power
    # cut may lose the last commits, never the file's consistency). See docs/settings.md.
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "swarmdesk"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_urls: list[str] = []  # several Rasa servers sharing Redis tracker + lock stores; empty: [rasa_url]
    rasa_cooldown_seconds: float = Field(default=5.0, ge=0)  # a Rasa server that failed is tried last this long
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout_seconds: float = 30.0
    public_url: str = "http://127.0.0.1:8000"
    company_name: str = "Lumora"  # the demo company: the bot's name and the customer-facing texts use it
    skills_file: Path = ROOT / "kb" / "skills.yml"  # KB tag → desk skill (handoff.skills)
    kb_dir: Path = ROOT / "kb"
    index_dir: Path = VAR_DIR / "index"
    case_index_dir: Path | None = None  # the resolved cases' index (knowledge.case_index); None: INDEX_DIR + "-cases"
    kb_searches_per_minute: int = 120  # per address (a customer's own searches)
    kb_searches_per_conversation_per_minute: int = 20  # the bot's searches, per conversation it speaks for
    kb_preload: bool = True
    language_detection: bool = True  # load the language detector at start (about 10 s, 300 MB) and use it
    kb_export_on_publish: bool = False
    draft_from_resolved: bool = True
    sla_first_response_minutes: dict[str, int] = {}  # per priority, over cases.sla's defaults
    sla_resolution_minutes: dict[str, int] = {}  # per priority, over cases.sla's defaults
    auto_close_days: int = 7
    case_show_assignee: bool = False
    case_lookups_per_hour: int = 20
    scheduler_interval_seconds: float = 30.0
    business_hours: str = ""
    presence_ttl_seconds: int = 45
    offer_timeout_seconds: float = 20.0
    offer_cooldown_seconds: float = 120.0  # an agent who let an offer go is offered that chat again no sooner
    widen_after_seconds: float = 120.0
    customer_away_seconds: float = 300.0
    router_interval_seconds: float = 1.0
    swarm_invite_seconds: int = 600
    guest_link_max_hours: int = 24 * 14
    business_timezone: str = "Europe/Amsterdam"
    mail_backend: Literal["outbox", "smtp"] = "outbox"
    mail_outbox_dir: Path = VAR_DIR / "outbox"
    mail_from: str = "Lumora Support <support@lumora.example>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    secret_key: str = Field(default_factory=lambda: _persistent_secret("secret_key"))
    bot_service_token: str = Field(default_factory=lambda: _persistent_secret("bot_service_token"))
    cookie_secure: bool = True
    session_max_age_seconds: int = 12 * 3600
    login_attempts_per_account: int = 5  # sign-in attempts per account and window; a success starts it again
    login_attempts_per_address: int = 30  # sign-in attempts per address and window
    login_window_seconds: int = Field(default=900, gt=0, le=900)  # the longest a lockout lasts: 15 minutes at most
    request_threads: int = 32
    bot_turn_threads: int = 32  # bot turns at once; they wait on Rasa in threads of their own, see docs/settings.md
    relay_threads: int = 4  # connections (PostgreSQL) or threads (SQLite) for chat lines to or from a person
    max_message_chars: int = 4000
    ops_token: str = ""  # in production, /readyz shows its details only to `Authorization: Bearer <ops_token>`
    log_format: Literal["json", "text"] = "json"  # JSON lines with the conversation and case ids, or plain text
    max_body_bytes: int = 2 * 1024 * 1024  # the largest legitimate body, an article of 50,000 characters, is ≤ 200 kB
    max_socket_frame_bytes: int = 64 * 1024  # a chat frame carries one message of at most max_message_chars
    messages_per_minute: int = 30
    conversations_per_hour_per_ip: int = 60
    widget_origins: list[str] = []  # other sites (e.g. "https://shop.example.com") whose pages may embed the widget
    trusted_proxies: list[str] = []  # addresses/CIDRs whose X-Forwarded-For names the client; none: the peer
    swarm_webhook_url: str = ""
    swarm_webhook_secret: str = Field(default="", validate_default=True)
    slack_webhook_url: str = ""
    notify_timeout_seconds: float = Field(default=5.0, gt=0)
    notify_max_attempts: int = Field(default=6, ge=1)
    notify_interval_seconds: float = Field(default=2.0, gt=0)  # how often due swarm notifications are sent
    recontact_window_hours: float = Field(default=72.0, gt=0)  # analytics: a return this soon undoes "contained"
    # how often the analytics roll-ups catch up: at most 180 s, so figures stay under 5 minutes behind live data
    analytics_refresh_seconds: float = Field(default=120.0, gt=0, le=180)

    @field_validator("swarm_webhook_secret")
    @classmethod
    def _webhook_needs_a_secret(cls, secret: str, info: ValidationInfo) -> str:
        """Refuse a swarm webhook URL without the secret that signs its requests (the error shows no other value)."""
        if info.data.get("swarm_webhook_url", "").strip() and not secret.strip():
            raise ValueError(
                "SWARM_WEBHOOK_URL is set but SWARM_WEBHOOK_SECRET is empty: set SWARM_WEBHOOK_SECRET to a long random"
                " string shared with the receiver (it signs every request), or unset SWARM_WEBHOOK_URL"
            )
        return secret

    @property
    def rasa_servers(self) -> list[str]:
        """The Rasa servers the app spreads bot turns over: `rasa_urls`, or just `rasa_url` when that is empty."""
        return self.rasa_urls or [self.rasa_url]

    @property
    def production(self) -> bool:
        """Whether this stack runs in production mode (`SWARMDESK_ENV=production`): no API docs, no internals shown."""
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings instance."""
    return Settings()
