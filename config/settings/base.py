"""Settings for every environment, read from environment variables only.

With nothing set, this is the *embedded default*: SQLite, Celery tasks run in process,
fake WeChat. Production sets ``DATABASE_URL``, ``REDIS_URL`` and the WeChat credentials and
uses ``config.settings.production`` on top of this module.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The embedded default has a fixed development key; production.py refuses to start without one.
SECRET_KEY = env.str("SECRET_KEY", default="embedded-default-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    # Our apps, lowest floor first (see ARCHITECTURE.md for the dependency map).
    "stores",
    "customers",
    "promotions",
    "invitations",
    "automation",
    "referrals",
    "wechat",
    "analytics",
    "surfaces",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.ChosenLanguageMiddleware",
    "common.middleware.htmx_vary_middleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stores.context_processors.acting_staff",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:pass@host:5432/name. Without it: SQLite under var/.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # the embedded database's folder, on a fresh checkout
    # SQLite needs a short busy wait so the web process and the scheduler can share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, Celery ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_entries",
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Embedded default: no broker, so tasks run in the calling process (still after commit).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# A task is acknowledged only after it ran, so a worker that dies mid-task leaves it to be
# re-delivered; tasks are written to be harmless when run twice (see ARCHITECTURE.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# Redis re-delivers an unacknowledged task after the visibility timeout; it must exceed the
# longest ETA/countdown we schedule (retries back off to at most one hour) and any run time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Keep a worker's database connection across tasks (Celery would otherwise reconnect for each).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)

# --- Auth, API -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["stores.auth.RolePermissionBackend"]
LOGIN_URL = "surfaces:login"
LOGIN_REDIRECT_URL = "surfaces:home"
LOGOUT_REDIRECT_URL = "surfaces:login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth_token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "StoreLink API",
    "DESCRIPTION": "Head office, regions, stores, assistants and WeChat customers. "
    "Every list shows only the caller's data scope (SPEC ORG-3).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the pinned npm package, served as a static file (no CDN).
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui/favicon-32x32.png",
    # Choice sets named once (several models have a field called "kind").
    "ENUM_NAME_OVERRIDES": {
        "PaymentTypeEnum": "customers.models.orders.Order.PaymentType",
        "PointsEntryKindEnum": "customers.models.ledgers.PointsEntry.Kind",
        "StoredValueEntryKindEnum": "customers.models.ledgers.StoredValueEntry.Kind",
        "PointsRewardKindEnum": "customers.models.ledgers.PointsReward.Kind",
        "DataKindEnum": [("customers", "customers"), ("orders", "orders")],  # import/export "kind" (CUS-10)
        "FollowUpKindEnum": "customers.models.profile.FollowUp.Kind",
        "AfterSalesKindEnum": "customers.models.profile.AfterSalesRecord.Kind",
        "IntentGradeEnum": "customers.models.core.Customer.IntentGrade",
        "CustomerSourceEnum": "customers.models.core.Customer.Source",
        "CustomerTagSourceEnum": "customers.models.core.CustomerTag.Source",
        "OrderChannelEnum": "customers.models.orders.Order.Channel",
        "InvitationChannelEnum": "invitations.models.InvitationEntry.Channel",
        "InvitationTaskStatusEnum": "invitations.models.InvitationTask.Status",
    },
}

# --- I18n, time -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages are pinned in package.json and served from node_modules: no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/weui", NODE_MODULES / "weui" / "dist" / "style"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),
    ("vendor/jsqr", NODE_MODULES / "jsqr" / "dist"),
    ("vendor/weixin-js-sdk", NODE_MODULES / "weixin-js-sdk"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the finders too, so the embedded default needs no collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Import and export files (CUS-10: full mobile numbers, names): never served, read only by the
# scoped download views; outside MEDIA_ROOT and STATIC_ROOT, created on demand.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))

# --- WeChat and WeCom --------------------------------------------------------------------------
# fake: the built-in fake WeChat (no account needed); real: WeChat's servers with credentials.
WECHAT_MODE = env.str("WECHAT_MODE", default="fake")
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="wx-fake-app-id" if WECHAT_MODE == "fake" else "")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="fake-secret" if WECHAT_MODE == "fake" else "")
WECHAT_TOKEN = env.str("WECHAT_TOKEN", default="fake-token" if WECHAT_MODE == "fake" else "")
WECHAT_AES_KEY = env.str("WECHAT_AES_KEY", default="")
# Where WeChat's API is reached: the fake server's address in tests and the demo.
# In fake mode the fake WeChat server (`python -m wechat.fake`, started by `make demo`) answers.
FAKE_WECHAT_URL = "http://127.0.0.1:9100/"
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default=FAKE_WECHAT_URL if WECHAT_MODE == "fake" else "https://api.weixin.qq.com/")
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="ww-fake-corp" if WECHAT_MODE == "fake" else "")
WECOM_SECRET = env.str("WECOM_SECRET", default="fake-wecom-secret" if WECHAT_MODE == "fake" else "")
WECOM_TOKEN = env.str("WECOM_TOKEN", default="fake-wecom-token" if WECHAT_MODE == "fake" else "")
# WeCom always encrypts its callbacks; fake mode has a fixed key of the right shape (43 chars).
WECOM_AES_KEY = env.str("WECOM_AES_KEY", default="fakeWeComAesKey0123456789abcdefghijklmnopqr" if WECHAT_MODE == "fake" else "")
WECOM_API_BASE = env.str("WECOM_API_BASE", default=FAKE_WECHAT_URL if WECHAT_MODE == "fake" else "https://qyapi.weixin.qq.com/")
WECHAT_HTTP_TIMEOUT = env.float("WECHAT_HTTP_TIMEOUT", default=5.0)
# Template ids of the official account (category templates chosen in WeChat's console).
WECHAT_TEMPLATE_STAFF_REMINDER = env.str("WECHAT_TEMPLATE_STAFF_REMINDER", default="tpl-staff-reminder")
# Order progress (shipped, arrived, installation booked, installed) sent to the customer (CUS-7).
WECHAT_TEMPLATE_ORDER_PROGRESS = env.str("WECHAT_TEMPLATE_ORDER_PROGRESS", default="tpl-order-progress")
# Coupons (PRO-2): a coupon claimed, and a claimed coupon about to expire.
WECHAT_TEMPLATE_COUPON_CLAIMED = env.str("WECHAT_TEMPLATE_COUPON_CLAIMED", default="tpl-coupon-claimed")
WECHAT_TEMPLATE_COUPON_EXPIRY = env.str("WECHAT_TEMPLATE_COUPON_EXPIRY", default="tpl-coupon-expiry")
# Marketing journeys (PRO-6): a journey's own message (title, text, date).
WECHAT_TEMPLATE_JOURNEY = env.str("WECHAT_TEMPLATE_JOURNEY", default="tpl-journey")
# The messaging outbox (wechat/outbox.py): a global send rate shared by all workers, retries,
# and how long an interrupted or unanswered send waits for WeChat's delivery report.
WECHAT_SEND_RATE = env.int("WECHAT_SEND_RATE", default=300)
WECHAT_OUTBOX_MAX_ATTEMPTS = env.int("WECHAT_OUTBOX_MAX_ATTEMPTS", default=6)
WECHAT_OUTBOX_BACKOFF_SECONDS = env.int("WECHAT_OUTBOX_BACKOFF_SECONDS", default=30)
WECHAT_OUTBOX_BACKOFF_CAP_SECONDS = env.int("WECHAT_OUTBOX_BACKOFF_CAP_SECONDS", default=3600)
WECHAT_OUTBOX_LEASE_SECONDS = env.int("WECHAT_OUTBOX_LEASE_SECONDS", default=600)
WECHAT_OUTBOX_SETTLE_SECONDS = env.int("WECHAT_OUTBOX_SETTLE_SECONDS", default=900)
WECHAT_OUTBOX_REPORT_GRACE_SECONDS = env.int("WECHAT_OUTBOX_REPORT_GRACE_SECONDS", default=60)
# The fake phone shows our H5 pages in a frame of our own; everywhere else pages refuse framing.
X_FRAME_OPTIONS = "SAMEORIGIN" if WECHAT_MODE == "fake" else "DENY"

# --- Product settings ------------------------------------------------------------------------
BRAND_NAME = env.str("BRAND_NAME", default="")
# The address customers reach the product at; printed QR codes point here (scheme and host).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Points a customer earns per yuan of a fully paid order (CUS-8); may be a fraction ("0.1").
POINTS_PER_YUAN = env.float("POINTS_PER_YUAN", default=1.0)
# Invitation segments (SPEC INV-1): from which average order this month a customer is a "high spender".
INVITATIONS_HIGH_SPENDER_MIN_ORDER = env.int("INVITATIONS_HIGH_SPENDER_MIN_ORDER", default=5000)
# Privacy (CUS-11): how many customers' full numbers one staff member may reveal a day; the relay
# provider for masked calls (dotted path to a customers.relay.RelayProvider) and how long a
# relay number stays bound.
PRIVACY_REVEALS_PER_DAY = env.int("PRIVACY_REVEALS_PER_DAY", default=30)
RELAY_PROVIDER = env.str("RELAY_PROVIDER", default="customers.relay.FakeRelayProvider")
RELAY_SESSION_MINUTES = env.int("RELAY_SESSION_MINUTES", default=30)

# --- Logging: one JSON object per line, to stdout ----------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
RADAR_ENABLED = env.bool("RADAR_ENABLED", default=True)  # interaction radar (QR-9, customers/radar.py); off: no entries
