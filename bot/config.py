"""Settings, read once from the environment and `.env` (prefix `SANSHE_`) and passed down.

There is no module-level settings object on purpose: `main` builds one `Settings` and hands it to
whatever needs it, so tests and the demo can run several configurations in one process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANSHE_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="Bot token from @BotFather.")
    api_base_url: str = Field(
        default=TELEGRAM_API_BASE_URL,
        description="Handed to python-telegram-bot's base_url as is, e.g. http://127.0.0.1:8081/bot.",
    )
    api_file_url: str | None = Field(
        default=None, description="File download base; derived from api_base_url when empty."
    )
    database_url: str = "sqlite:///data/sanshe.db"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    locales_dir: Path = PROJECT_ROOT / "locales"
    max_message_chars: int = Field(default=500, ge=50, le=4096)
    accept_timeout_minutes: float = Field(default=30, gt=0)
    urgent_accept_timeout_minutes: float = Field(default=10, gt=0)
    category_accept_minutes: Annotated[dict[str, float], NoDecode] = Field(default_factory=dict)
    stall_hours: float = Field(default=24, gt=0)
    timer_interval_seconds: float = Field(default=30, gt=0)
    dispatch_top_k: int = Field(default=3, ge=1, le=20)
    # Telegram allows about 30 messages/s; with its paid broadcasts enabled up to 1,000/s.
    send_per_second: float = Field(default=30, gt=0, le=1000)
    # How long an outbox row a process claimed stays its own without renewal: after a crash, its unsent
    # replies and messages go out this long after the crash at the latest (another process, or the restart).
    outbox_lease_seconds: float = Field(default=30, ge=1, le=3600)
    # Turns of different chats that may run at once in one process (turns of one chat always run in order).
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    # Webhook mode (`sanshe run --webhook`): the public HTTPS address Telegram posts to, where the workers listen
    # (host:port, behind the reverse proxy), the secret Telegram sends back (derived from the token when empty)
    # and how many worker processes share the load.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = Field(default=None, repr=False)
    workers: int = Field(default=1, ge=1, le=64)
    # Pruning (bot/periodic.py's Pruner): outbox rows sent, refused or blocked are deleted after this many days
    # (a year of a city's messages is over a gigabyte, and they hold personal data); pending ones never are.
    # An erasure (/privacy) can blank only messages still in the outbox in other people's chats.
    outbox_keep_days: float = Field(default=30, ge=1)
    # Processed update ids guard against Telegram delivering an update twice, which it does only within a day.
    processed_updates_keep_days: float = Field(default=2, ge=1)
    prune_interval_seconds: float = Field(default=600, gt=0)
    # Rows deleted per transaction: small, so that turns waiting for the write lock wait only milliseconds.
    prune_batch: int = Field(default=500, ge=1, le=100_000)
    # The WeChat channel (微信客服 through WeCom; README "WeChat"): on when a corp id is set. The callback address
    # saved in WeCom's admin console must reach wechat_listen (host:port) at wechat_path, through the proxy.
    wechat_corp_id: str = ""
    wechat_secret: SecretStr | None = Field(default=None, repr=False)  # the 微信客服 app's Secret
    wechat_token: SecretStr | None = Field(default=None, repr=False)  # the callback Token
    wechat_aes_key: SecretStr | None = Field(default=None, repr=False)  # the callback EncodingAESKey (43 chars)
    wechat_kf_id: str = ""  # the 客服账号's open_kfid (wk…), where residents write
    wechat_api_base: str = "https://qyapi.weixin.qq.com"
    wechat_listen: str = "127.0.0.1:8090"
    wechat_path: str = "/wechat"
    # A verified 服务号 beside it (or alone): its followers write and tap its menu (`sanshe wechat-menu`), get
    # passive replies, and a template notice (wechat_oa_template_id) when a message waits outside their window.
    # Its callback (安全模式) reaches wechat_listen at wechat_oa_path; token and key default to the 客服 ones.
    wechat_oa_app_id: str = ""
    wechat_oa_secret: SecretStr | None = Field(default=None, repr=False)
    wechat_oa_token: SecretStr | None = Field(default=None, repr=False)
    wechat_oa_aes_key: SecretStr | None = Field(default=None, repr=False)
    wechat_oa_template_id: str = ""
    wechat_oa_api_base: str = "https://api.weixin.qq.com"
    wechat_oa_path: str = "/wechat/oa"

    @field_validator("category_accept_minutes", mode="before")
    @classmethod
    def _split_category_minutes(cls, value: object) -> object:
        # "elderly=20,emergency=5" in the environment; category codes as in the catalogue.
        if isinstance(value, str):
            pairs = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
            try:
                return {k.strip(): float(v) for k, v in (p.split("=", 1) for p in pairs)}
            except ValueError as exc:
                raise ValueError("use category=minutes pairs, e.g. elderly=20,emergency=5") from exc
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        # The environment carries "123,456"; pydantic would otherwise expect JSON.
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace("，", ",").split(",")]
            try:
                return [int(p) for p in parts if p]
            except ValueError as exc:
                raise ValueError("SANSHE_ADMIN_IDS must be comma-separated Telegram user ids") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Shanghai)") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def file_base_url(self) -> str:
        """Telegram serves files under /file/bot<token>; mirror that for a custom API server."""
        if self.api_file_url:
            return self.api_file_url
        base = self.api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    @property
    def wechat_enabled(self) -> bool:
        return bool(self.wechat_corp_id or self.wechat_oa_app_id)

    def wechat_missing(self) -> list[str]:
        """The WeChat settings still empty although a door is on (a corp id or a 服务号 app id is set)."""
        wanted: dict[str, object] = {}
        if self.wechat_corp_id:
            wanted |= {"SANSHE_WECHAT_SECRET": self.wechat_secret, "SANSHE_WECHAT_TOKEN": self.wechat_token,
                       "SANSHE_WECHAT_AES_KEY": self.wechat_aes_key,
                       "SANSHE_WECHAT_KF_ID": self.wechat_kf_id}  # fmt: skip
        if self.wechat_oa_app_id:
            wanted |= {"SANSHE_WECHAT_OA_SECRET": self.wechat_oa_secret,
                       "SANSHE_WECHAT_OA_TOKEN": self.wechat_oa_token or self.wechat_token,
                       "SANSHE_WECHAT_OA_AES_KEY": self.wechat_oa_aes_key or self.wechat_aes_key}  # fmt: skip
        return [name for name, value in wanted.items() if not value]

    def token_value(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None
