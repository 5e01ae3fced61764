"""Settings shared by every environment. Values that differ come from the environment."""

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent.parent.parent
BASE_DIR = SRC_DIR.parent
VAR_DIR = Path(os.environ.get("EISO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Who must log in with a second factor (EISO_OTP_REQUIRED): "1"/"on" means agency heads, oversight officers and
# administrators (staff and superusers); a comma-separated list names them instead (role codes and "admin");
# "0"/"off"/empty (the default): nobody must, anyone may turn it on for their own account.
OTP_REQUIRED_DEFAULT = ("agency_head", "oversight", "admin")


def env_otp_required(name):
    value = os.environ.get(name, "").strip().lower()
    if value in {"", "0", "false", "no", "off"}:
        return ()
    if value in {"1", "true", "yes", "on"}:
        return OTP_REQUIRED_DEFAULT
    return tuple(item.strip() for item in value.split(",") if item.strip())


def env_keys(name, min_length=1):
    """Named secrets `id1:secret1,id2:secret2` -> {"id1": "secret1", "id2": "secret2"}, in order (the last is the
    current one). An id is 1-16 letters, digits, `_`, `.` or `-`; a secret holds no comma."""
    keys = {}
    for item in env_list(name):
        key_id, _sep, secret = item.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,16}", key_id) or key_id in keys:
            raise ImproperlyConfigured(f"{name}: {key_id!r} is not a valid, distinct key id (id:secret,id:secret).")
        if len(secret) < min_length:
            raise ImproperlyConfigured(f"{name}: the secret of {key_id!r} needs at least {min_length} characters.")
        keys[key_id] = secret
    return keys


SECRET_KEY = os.environ.get("EISO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("EISO_DEBUG", False)
ALLOWED_HOSTS = env_list("EISO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "crontask",  # manage.py crontask: enqueues the periodic tasks at their times
    "axes",  # failed logins throttled per account and per client address
    "django_otp",  # optional second factor (TOTP), required of some roles by EISO_OTP_REQUIRED
    "django_otp.plugins.otp_totp",
    # eISO apps, in dependency order (the demo loader follows this order)
    "core",
    "organizations",
    "accounts",
    "procedures",
    "documents",
    "dossiers",
    "improvement",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionRenewalMiddleware",  # the idle time starts again (the session written once a minute)
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor given in this session
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SecondFactorMiddleware",  # no page before the TOTP code (or the enrolment it requires)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.AuditActorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its answer
]

ROOT_URLCONF = "eiso.urls"
WSGI_APPLICATION = "eiso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# Embedded default: SQLite in var/. Production: DATABASE_URL=postgres://...
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'eiso.sqlite3'}",
        conn_max_age=int(os.environ.get("EISO_DB_CONN_MAX_AGE", "0")),
    )
}
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
    "transaction_mode": "IMMEDIATE",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address before the password
    "django.contrib.auth.backends.ModelBackend",  # authentication (passwords, sessions)
    "accounts.backends.RoleBackend",  # authorization by role and agency/province scope
]
# Login protection (django-axes): after EISO_LOGIN_FAILURE_LIMIT failed logins for one account, or from one client
# address, logins are refused for EISO_LOGIN_COOLOFF_MINUTES; a success resets the count. The account's manager
# unlocks it at once on its page in eISO ("Mở khóa đăng nhập", audited); a superuser also from /admin/axes/ or with
# `./eiso manage axes_reset_username NAME`. Behind a reverse proxy the client's
# address is the last one the proxy adds to X-Forwarded-For (EISO_TRUSTED_PROXIES proxies in front; 0: none).
AXES_FAILURE_LIMIT = int(os.environ.get("EISO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("EISO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_VERBOSE = False
TRUSTED_PROXIES = int(os.environ.get("EISO_TRUSTED_PROXIES", "0"))

# The second factor (django-otp's TOTP devices, any authenticator app): the name the app shows for the account, and
# the throttle of wrong codes (1 s, 2 s, 4 s, … between attempts after successive failures).
OTP_TOTP_ISSUER = "eISO"
OTP_TOTP_THROTTLE_FACTOR = 1

# Shared office PCs: a session ends after EISO_SESSION_IDLE_MINUTES without a request (a request renews it, written
# at most once a minute: core.middleware.SessionRenewalMiddleware) and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("EISO_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy (Django's own): the pages load scripts, styles, fonts and images from this site only;
# the one inline script (the analytics charts) carries the request's nonce; style attributes (progress bars,
# widths) are allowed, <style> elements are not; no plugin, no framing, forms post here only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Where HTTPS is required (production: SECURE_SSL_REDIRECT), the health check still answers plain HTTP: a load
# balancer or a monitor probes the app server directly, behind the proxy that ends TLS (core.views.healthz).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.UserNameInPasswordValidator"},
    {"NAME": "accounts.validators.VietnameseCommonPasswordValidator"},
]

# Vietnamese first, English through Django i18n. Source strings are Vietnamese.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
FORMAT_MODULE_PATH = ["eiso.formats"]
# Numbers the Vietnamese way in every language of the UI: 1.234 and 93,2 (eiso/formats). Where a program reads a
# number back (ids and years in addresses, attributes, form values), templates write it with |unlocalize.
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("EISO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [
    SRC_DIR / "static",
    # Front-end packages installed from the npm registry at set-up; never copied into the repo.
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/chart.js", BASE_DIR / "node_modules/chart.js/dist"),
    ("vendor/tom-select", BASE_DIR / "node_modules/tom-select/dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("EISO_MEDIA_ROOT", VAR_DIR / "media"))
# The audit trail's daily anchors (core.anchors): outside the database, one file per day, today's rewritten in place.
AUDIT_ANCHOR_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": os.environ.get("EISO_AUDIT_ANCHOR_DIR", str(VAR_DIR / "audit-anchors")),
        "allow_overwrite": True,
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "audit_anchors": AUDIT_ANCHOR_STORAGE,
}
# Uploads: bounded in memory; larger files stream to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Background work: Django's tasks framework with a database-backed worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",  # declares every operation's error answers
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 100,
    # Requests per caller (a person, an agency's token, an address): EISO_API_RATE, e.g. "1200/min".
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": os.environ.get("EISO_API_RATE", "1200/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eISO API",
    "DESCRIPTION": "REST API of eISO, the electronic quality management system (TCVN ISO 9001:2015) "
    "for state administrative agencies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response bodies as separate components: a field may be required or non-blank in one only (an
    # import's file is sent, never answered; a value read back may be empty where a new one may not).
    "COMPONENT_SPLIT_REQUEST": True,
    # One OpenAPI name per choice set (several models have a "status").
    "ENUM_NAME_OVERRIDES": {
        "AgencyStatusEnum": "organizations.models.Agency.Status",
        "ProcedureStatusEnum": "procedures.models.AdminProcedure.Status",
        "DocumentStatusEnum": "documents.models.Document.Status",
        "DocumentVersionStatusEnum": "documents.models.DocumentVersion.Status",
        "DossierStatusEnum": "dossiers.models.DossierStatus",
        "DossierEventKindEnum": "dossiers.models.EventKind",
        "ImportJobStatusEnum": "dossiers.models.ImportJob.Status",
        "PushStatusEnum": ["created", "duplicate"],
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("EISO_LOG_LEVEL", "WARNING")},
}

# eISO's own settings (deadlines, forms and thresholds are configuration, not code).
EISO = {
    # The demo province (`./eiso run` sets EISO_DEMO=1): the login page lists the demo accounts. Not tied to DEBUG.
    "DEMO": env_bool("EISO_DEMO", False),
    # Working day: the morning half ends at noon, the day at the office's closing time.
    "WORKDAY_NOON": "12:00",
    "WORKDAY_END": "17:00",
    "CALENDAR_YEARS": (2014, 2035),
    # Dossiers: early warning this many working days before the due time; what a supplement does to the
    # time limit (False: the clock stops and resumes with the remaining time; True: it restarts in full).
    "DOSSIER_WARN_DAYS": 1,
    "DOSSIER_SUPPLEMENT_RESTARTS": False,
    # Failed API authentications (a wrong token) from one address before it is refused for the window.
    "API_AUTH_FAILURES": int(os.environ.get("EISO_API_AUTH_FAILURES", "10")),
    "API_AUTH_WINDOW_SECONDS": int(os.environ.get("EISO_API_AUTH_WINDOW_MINUTES", "15")) * 60,
    # An event dated ahead of now by more than this is refused (the sending software's clock may drift a little).
    "EVENT_FUTURE_TOLERANCE_MINUTES": int(os.environ.get("EISO_EVENT_FUTURE_TOLERANCE_MINUTES", "60")),
    "DOSSIER_IMPORT_BATCH": int(os.environ.get("EISO_DOSSIER_IMPORT_BATCH", 20000)),
    # An import job whose run committed no batch for this long has stopped (its worker was killed or lost the
    # database): the recovery (DOSSIER_IMPORT_RECOVERY_SCHEDULE) resumes it after its last committed row, at most
    # DOSSIER_IMPORT_ATTEMPTS runs in all, then ends it failed saying which rows were stored.
    "DOSSIER_IMPORT_STALE_MINUTES": float(os.environ.get("EISO_DOSSIER_IMPORT_STALE_MINUTES", "10")),
    "DOSSIER_IMPORT_ATTEMPTS": int(os.environ.get("EISO_DOSSIER_IMPORT_ATTEMPTS", "3")),
    "DOSSIER_IMPORT_RECOVERY_SCHEDULE": os.environ.get("EISO_DOSSIER_IMPORT_RECOVERY_SCHEDULE", "*/5 * * * *"),
    # A nonconformity is proposed when one step of one procedure is late in this many dossiers of a month.
    "NC_LATE_PATTERN_MIN": int(os.environ.get("EISO_NC_LATE_PATTERN_MIN", "3")),
    # The risk matrix: likelihood and impact each from 1 to this (the levels are the province's data).
    "RISK_SCALE": int(os.environ.get("EISO_RISK_SCALE", "5")),
    # The public satisfaction survey: answers from one address per hour, answers per dossier code.
    "SURVEY_PER_ADDRESS_HOUR": int(os.environ.get("EISO_SURVEY_PER_ADDRESS_HOUR", "10")),
    "SURVEY_PER_DOSSIER": int(os.environ.get("EISO_SURVEY_PER_DOSSIER", "1")),
    # Decision 19/2014/QĐ-TTg Art. 4.4: the QMS updated within this many months of a change (a procedure amended, a
    # legal basis changed); an internal audit and a management review at least this often.
    "QMS_UPDATE_MONTHS": int(os.environ.get("EISO_QMS_UPDATE_MONTHS", "3")),
    "AUDIT_INTERVAL_MONTHS": int(os.environ.get("EISO_AUDIT_INTERVAL_MONTHS", "12")),
    "REVIEW_INTERVAL_MONTHS": int(os.environ.get("EISO_REVIEW_INTERVAL_MONTHS", "12")),
    # The analytics page's figures are kept this long (seconds) for the same scope and filters; the page says when
    # they were computed. 0: computed on every view.
    "ANALYTICS_CACHE_SECONDS": int(os.environ.get("EISO_ANALYTICS_CACHE_SECONDS", "60")),
    "DEMO_DOSSIERS": int(os.environ.get("EISO_DEMO_DOSSIERS", "200000")),
    "DEMO_PROVINCE_CODE": os.environ.get("EISO_DEMO_PROVINCE", "86"),  # Tỉnh Vĩnh Long
    # Document control: upload limit, and whether the author of a draft may approve it.
    "DOCUMENT_MAX_UPLOAD_MB": float(os.environ.get("EISO_DOCUMENT_MAX_UPLOAD_MB", "20")),
    "DOCUMENT_SEPARATION_OF_DUTIES": env_bool("EISO_DOCUMENT_SEPARATION_OF_DUTIES", True),
    # Who must log in with a TOTP code (see env_otp_required; checked by accounts.checks): () = nobody.
    "OTP_REQUIRED": env_otp_required("EISO_OTP_REQUIRED"),
    # Zip-based uploads (DOCX, XLSX, any zip; core.archives), checked before anything is inflated: the total
    # uncompressed size (documents; XLSX imports, read as a stream, get their own larger total), one entry's
    # compression ratio (a zip bomb inflates hundreds of times; office files 5-20 times) and the entry count.
    "ZIP_MAX_UNCOMPRESSED_MB": float(os.environ.get("EISO_ZIP_MAX_UNCOMPRESSED_MB", "50")),
    "IMPORT_ZIP_MAX_UNCOMPRESSED_MB": float(os.environ.get("EISO_IMPORT_ZIP_MAX_UNCOMPRESSED_MB", "4000")),
    "ZIP_MAX_RATIO": float(os.environ.get("EISO_ZIP_MAX_RATIO", "100")),
    "ZIP_MAX_ENTRIES": int(os.environ.get("EISO_ZIP_MAX_ENTRIES", "10000")),
    # A DOCX's preview (rendered once in the background and stored): its first characters and its images up to
    # this much; the page then says the rest is in the original file.
    "DOCUMENT_PREVIEW_MAX_CHARS": int(os.environ.get("EISO_DOCUMENT_PREVIEW_MAX_CHARS", "100000")),
    "DOCUMENT_PREVIEW_MAX_IMAGES_MB": float(os.environ.get("EISO_DOCUMENT_PREVIEW_MAX_IMAGES_MB", "5")),
    # Periodic tasks, enqueued by `manage.py crontask`: crontab lines in local time (TIME_ZONE), day of
    # week by name (Mon…Sun); an empty value leaves the task unscheduled. Early warnings every half hour
    # from 07:00 to 17:30 every day (make-up working days fall on Saturdays; a run on a day off is cheap
    # and warns nobody twice); document review reminders once a day at 07:00.
    "DOSSIER_WARN_SCHEDULE": os.environ.get("EISO_DOSSIER_WARN_SCHEDULE", "*/30 7-17 * * *"),
    "DOCUMENT_REMINDER_SCHEDULE": os.environ.get("EISO_DOCUMENT_REMINDER_SCHEDULE", "0 7 * * *"),
    # Improvement: automatic objectives measured and nonconformities proposed from late dossiers, nightly.
    "OBJECTIVE_MEASURE_SCHEDULE": os.environ.get("EISO_OBJECTIVE_MEASURE_SCHEDULE", "30 1 * * *"),
    "NC_PROPOSAL_SCHEDULE": os.environ.get("EISO_NC_PROPOSAL_SCHEDULE", "0 2 * * *"),
    # The audit trail's keys (HMAC-SHA256), from the environment only, never from the database: `id:secret,…`, the
    # last one signs new entries, the earlier ones (retired) still verify theirs. Development and tests fall back
    # to a fixed key; the production settings refuse to start without EISO_AUDIT_KEYS.
    "AUDIT_KEYS": env_keys("EISO_AUDIT_KEYS") or {"dev": "dev-only-insecure-audit-key"},
    # Each chain's head written outside the database (the STORAGES alias named here), daily at 23:50 by default.
    "AUDIT_ANCHOR_STORAGE": os.environ.get("EISO_AUDIT_ANCHOR_STORAGE", "audit_anchors"),
    "AUDIT_ANCHOR_SCHEDULE": os.environ.get("EISO_AUDIT_ANCHOR_SCHEDULE", "50 23 * * *"),
}
