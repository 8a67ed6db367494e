"""gunicorn settings for production: `gunicorn wsgi:app` picks this file up by itself.

Two sync workers per core pair was the best setting on a 2-core machine (docs/benchmarks.md).
Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import gc
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LMS_WORKERS", "2"))
worker_class = "sync"
timeout = 60  # long jobs (certificate batches) run in the background, not in a request
keepalive = 2
max_requests = 20000  # recycle workers now and then: bounds any slow leak (a lower value
# restarted workers often enough under a crowd to show as p99 spikes; docs/benchmarks.md)
max_requests_jitter = 2000
accesslog = "-"
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """The app is loaded: move its objects (modules, mappers, compiled statements) out of
    the garbage collector's reach. Otherwise each full collection walks them all, a pause that
    lands on whichever request is running (seen in check-in p99s; docs/benchmarks.md)."""
    gc.freeze()
