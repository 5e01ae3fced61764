"""gunicorn for eISO (./eiso serve and deploy/eiso-web.service): workers and threads from the core count,
each overridable from the environment."""

import multiprocessing
import os

bind = os.environ.get("EISO_BIND", "127.0.0.1:8000")
# Workers with threads: cores + 1 workers (at most 17) of 2 threads. A page spends most of its time in Python, not
# waiting on the database: under 50 officials on 2 cores (bench/README.md, Load), 3 workers x 2 threads answered with
# a p95 of 300 ms where (2 x cores) + 1 workers x 4 threads, twenty requests at once sharing the two cores, gave 340 ms.
workers = int(os.environ.get("EISO_WEB_WORKERS", min(multiprocessing.cpu_count() + 1, 17)))
threads = int(os.environ.get("EISO_WEB_THREADS", 2))
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
