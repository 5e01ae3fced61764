"""Production: PostgreSQL, object storage, HTTPS. Every secret comes from the environment.

`manage.py check --deploy --settings=eiso.settings.production` is clean.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AUDIT_ANCHOR_STORAGE, DATABASES, EISO, MIDDLEWARE, env_bool, env_keys, env_list

DEBUG = False
# Each worker thread keeps its database connection between requests (checked before it is reused): a connection per
# request is a new PostgreSQL backend per request, forked and its caches warmed again each time.
# EISO_DB_CONN_MAX_AGE: seconds a connection is kept (0: one per request).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("EISO_DB_CONN_MAX_AGE", "600"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Static files served by the app server itself (no separate web server needed).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
SECRET_KEY = os.environ.get("EISO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 and not env_bool("EISO_ALLOW_MISSING_SECRET"):
    raise ImproperlyConfigured("EISO_SECRET_KEY must be set to a random string of at least 50 characters.")
# The audit trail's keys: never the development fallback of the base settings.
EISO = {**EISO, "AUDIT_KEYS": env_keys("EISO_AUDIT_KEYS", min_length=32)}
if not EISO["AUDIT_KEYS"] and not env_bool("EISO_ALLOW_MISSING_SECRET"):
    raise ImproperlyConfigured("EISO_AUDIT_KEYS must name at least one key: id:secret (a secret of 32+ characters).")
ALLOWED_HOSTS = env_list("EISO_ALLOWED_HOSTS", "")
CSRF_TRUSTED_ORIGINS = env_list("EISO_CSRF_TRUSTED_ORIGINS", "")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("EISO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("EISO_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "audit_anchors": AUDIT_ANCHOR_STORAGE,
}
# Object storage for uploads when a bucket is configured (stateless app servers).
if os.environ.get("EISO_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["EISO_S3_BUCKET"],
            "endpoint_url": os.environ.get("EISO_S3_ENDPOINT_URL"),
            "region_name": os.environ.get("EISO_S3_REGION"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# The audit anchors in object storage: a bucket with Object Lock (a default retention), so no one, eISO included,
# can rewrite a past day's anchor; today's is written again as a new version of the same object.
if os.environ.get("EISO_AUDIT_ANCHOR_S3_BUCKET"):
    STORAGES["audit_anchors"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["EISO_AUDIT_ANCHOR_S3_BUCKET"],
            "endpoint_url": os.environ.get("EISO_S3_ENDPOINT_URL"),
            "region_name": os.environ.get("EISO_S3_REGION"),
            "default_acl": "private",
            "file_overwrite": True,
        },
    }
if os.environ.get("EISO_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["EISO_REDIS_URL"]}
    }
    # Several app servers may each run a scheduler: the Redis lock lets one of them enqueue the periodic tasks.
    CRONTASK = {"REDIS_URL": os.environ["EISO_REDIS_URL"]}
