"""gunicorn for eISO (./eiso serve and deploy/eiso-web.service): workers and threads from the core count,
each overridable from the environment."""

import multiprocessing
import os

bind = os.environ.get("EISO_BIND", "127.0.0.1:8000")
# Sync-style workers with threads: a page waits on the database, not the CPU. (2 x cores) + 1, at most 17.
workers = int(os.environ.get("EISO_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 17)))
threads = int(os.environ.get("EISO_WEB_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("EISO_WEB_TIMEOUT", 60))  # an export of a whole province takes a while
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory of large previews)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("EISO_FORWARDED_ALLOW_IPS", "127.0.0.1")  # the nginx in front
chdir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
wsgi_app = "eiso.wsgi:application"
