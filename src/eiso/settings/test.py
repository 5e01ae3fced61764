"""Test settings: fast hashing, tasks run inline, same database choice as the environment."""

import os

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = Path(os.environ.get("EISO_TEST_MEDIA_ROOT", "/tmp/eiso-test-media"))  # noqa: F405
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # in memory, emptied before each test (src/conftest.py): one test's anchors never judge another's chains
    "audit_anchors": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["TEST"] = {"NAME": None}  # in-memory, shared across live-server threads

# The demo loader runs in tests too; a few thousand dossiers show the same patterns.
# Figures computed on every view: a test changes data and reads the page again (the keeping has its own test).
EISO = {**EISO, "DEMO_DOSSIERS": 3000, "ANALYTICS_CACHE_SECONDS": 0}  # noqa: F405

# An empty second database of the same engine, for the backup test to restore into (never migrated).
DATABASES["restored"] = {**DATABASES["default"], "TEST": {**DATABASES["default"].get("TEST", {}), "MIGRATE": False}}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["restored"]["TEST"]["NAME"] = "test_eiso_restored"
