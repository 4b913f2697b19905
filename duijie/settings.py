"""Duijie configuration: the one module that reads the environment.

Order: defaults suited to the embedded mode (SQLite under ``var/``, console e-mail,
in-process cache), then environment variables (``DATABASE_URL``, ``DUIJIE_*``,
``REDIS_URL``, ``EMAIL_*``). See ``.env.example`` for every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


VAR_DIR = Path(env_str("DUIJIE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured key, else one generated once and kept in ``var/secret_key``."""
    configured = env_str("DUIJIE_SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DUIJIE_DEBUG", False)
ALLOWED_HOSTS = env_list("DUIJIE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DUIJIE_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("DUIJIE_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "duijie.core.axes_app.SignInProtectionConfig",  # django-axes
    "csp",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "duijie.core",
    "duijie.accounts",
    "duijie.taxonomy",
    "duijie.supply",
    "duijie.docking",
    "duijie.demand",
    "duijie.matching",
    "duijie.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "duijie.core.middleware.RequestContextMiddleware",
    "duijie.core.middleware.ApiErrorFormatMiddleware",
    # Axes must be last: it turns a locked-out sign-in into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duijie.urls"
WSGI_APPLICATION = "duijie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duijie.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'duijie.sqlite3'}"),
        conn_max_age=env_int("DUIJIE_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; the timeout rides out short write bursts.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when configured, else in-process) ------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "duijie"}}

# --- Accounts, authentication, sign-in throttling ---------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
# Sign-in throttling (django-axes): after this many failures for one e-mail from one address,
# sign-in is refused for the cool-off period.
AXES_FAILURE_LIMIT = env_int("DUIJIE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("DUIJIE_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("DUIJIE_LOGIN_THROTTLE", True)
# Sign-up, password-reset and verification e-mails per client address and hour are limited
# (duijie.core.ratelimit); this factor scales every limit, 0 switches them off.
RATE_LIMIT_FACTOR = float(env_str("DUIJIE_RATE_LIMIT_FACTOR", "1"))
# The exhibition hall's in-memory index re-reads view counts (sort "most viewed") this often, in seconds.
DUIJIE_HALL_VIEWS_TTL = env_int("DUIJIE_HALL_VIEWS_TTL", 60)
# The matching indexes (matching.indexes): kept on disk under this folder, one subfolder per database.
DUIJIE_MATCHING_DIR = env_str("DUIJIE_MATCHING_DIR", str(VAR_DIR / "matching"))
# "tantivy" (files in DUIJIE_MATCHING_DIR, one copy per server) or "postgresql" (one index in the database,
# shared by every web server).
DUIJIE_MATCHING_BACKEND = env_str("DUIJIE_MATCHING_BACKEND", "tantivy")
# Uploaded import spreadsheets (they hold contact details) are deleted after this many days by
# ``duijie purge_import_files``; the jobs and their reports stay.
DUIJIE_IMPORT_FILE_DAYS = env_int("DUIJIE_IMPORT_FILE_DAYS", 30)
# Dense retrieval (the optional extra, `pip install duijie[dense]`): a local sentence-transformers model
# directory whose embeddings are fused with the lexical matches. Unset: lexical matching only. Nothing
# is ever downloaded: a path that is not a model is reported and ignored.
DUIJIE_DENSE_MODEL = env_str("DUIJIE_DENSE_MODEL", "")
# Docking cases (docs/docking.md): working days allowed per stage ("requested=3,accepted=10,..."; unnamed
# stages keep their defaults), days without activity before a running case is marked stalled, and the
# working-day calendar: "cn" (weekends, PRC public holidays and make-up working days) or "weekends".
DUIJIE_DOCKING_SLA = {name.strip(): int(days) for name, _sep, days in
                      (item.partition("=") for item in env_list("DUIJIE_DOCKING_SLA", [])) if days.strip()}
DUIJIE_DOCKING_STALL_DAYS = env_int("DUIJIE_DOCKING_STALL_DAYS", 30)
DUIJIE_WORK_CALENDAR = env_str("DUIJIE_WORK_CALENDAR", "cn")

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("DUIJIE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "duijie_language"

# --- Static and media files ---------------------------------------------------
STATIC_URL = "/static/"
# The project's own assets (CSS, vendored htmx, images) live in the package, outside any app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("DUIJIE_STATIC_ROOT", str(VAR_DIR / "static")))
# WhiteNoise looks at STATIC_ROOT at start-up; before the first collectstatic it is simply empty.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DUIJIE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are served by Duijie itself unless a web server in front does it.
SERVE_MEDIA = env_bool("DUIJIE_SERVE_MEDIA", True)
# Bulk imports (supply.imports) run in a background thread of the web process; True runs them
# inside the request instead (tests, and deployments that would rather wait than start threads).
IMPORT_JOBS_INLINE = env_bool("DUIJIE_IMPORT_INLINE", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names once ``collectstatic`` has run (the run command and
        # deployments set DUIJIE_STATIC_MANIFEST=1); plain names in tests and development.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DUIJIE_STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Tests and the dev server serve straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail -------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Duijie <noreply@duijie.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers ------------------------------------------------------------
# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DUIJIE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("DUIJIE_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Strict-Transport-Security once the site is served over HTTPS only (secure cookies on).
SECURE_HSTS_SECONDS = env_int("DUIJIE_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
CSRF_FAILURE_VIEW = "duijie.core.views.csrf_failure"

# --- API ------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 20
API_PAGE_SIZE_MAX = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DUIJIE_LOG_LEVEL", "WARNING")},
}

PLATFORM_NAME = _("Duijie")

# ``duijie bench`` serves the app with a trivial baseline view added (duijie/bench/views.py).
BENCH_URLS = env_bool("DUIJIE_BENCH_URLS", False)
