"""Default configuration. Overridden by instance/config.py, then by LMS_* variables."""

from datetime import timedelta

ENV = "development"  # "production" turns on the strict checks in lms.create_app
SECRET_KEY = "dev"  # noqa: S105  (placeholder, refused in production; `make run` writes a real one)
DATABASE_URL = ""  # empty: instance/lms.sqlite3
REDIS_URL = ""  # empty: rate limits and jobs stay in this process
TIMEZONE = "Asia/Ho_Chi_Minh"
BABEL_DEFAULT_LOCALE = "vi"
LANGUAGES = ("vi", "en")
PROXY_HOPS = 0  # proxies in front (load balancer): trust their X-Forwarded-* headers
STORAGE_DIR = ""  # generated files; empty: instance/storage

# Background jobs (lms.core.jobs): a running job stamps a heartbeat; one silent for
# JOB_STALE_SECONDS belongs to a dead process and is marked failed. Results are kept this long.
JOB_HEARTBEAT_SECONDS = 10
JOB_STALE_SECONDS = 120
JOB_QUEUED_TIMEOUT_SECONDS = 3600  # the RQ job timeout: never picked up by then, never will be
JOB_RETENTION_DAYS = 7
# Report keys of people whose attendance changed wait in trainee_keys_pending (the report counts
# them meanwhile); a write request drains them after its answer, at most this often per process.
# None: never after a request.
ROLLUP_DRAIN_SECONDS = 2.0

# Sessions: signed cookies, so several app instances can serve the same users.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_DURATION = timedelta(days=14)
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
# Write the cookie only when the session changes (freshness.py refreshes "seen_at" once a
# minute, which also slides the cookie's expiry), not re-sign it on every request.
SESSION_REFRESH_EACH_REQUEST = False
SESSION_MAX_HOURS = 12  # absolute: sign in again after this, whatever the activity
SESSION_IDLE_MINUTES = 120  # idle: a session unused this long ends
FRESH_MINUTES = 10  # role changes and revocations need a password given this recently

MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # uploads: rosters, user lists, a signature image
IMPORT_MAX_ROWS = 20_000

RATELIMIT_LOGIN = "10 per minute; 50 per hour"  # password change and re-confirmation
# Sign-in: failed attempts only (lms/auth/throttle.py, docs/security.md "Sign-in throttling").
RATELIMIT_LOGIN_ACCOUNT_ADDRESS = "5 per minute; 20 per hour"  # one account from one address
RATELIMIT_LOGIN_ADDRESS = "60 per minute; 600 per hour"  # one address, any account (a hall)
RATELIMIT_LOGIN_ACCOUNT = "10 per hour; 30 per day"  # one account, from addresses not yet known
RATELIMIT_HEADERS_ENABLED = False

WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; no expiry mid-form

# Notices (lms/notices). Links in e-mails start with PUBLIC_BASE_URL, never with a request's
# host. Empty: http://127.0.0.1:5000 in development; the app refuses to start in production
# with e-mail on and no PUBLIC_BASE_URL.
PUBLIC_BASE_URL = ""
# E-mail over SMTP. No MAIL_SERVER: e-mail is off, notices appear only on the dashboard.
MAIL_SERVER = ""
MAIL_PORT = 587
MAIL_USE_TLS = True  # STARTTLS after connecting (port 587)
MAIL_USE_SSL = False  # TLS from the first byte (port 465)
MAIL_USERNAME = ""
MAIL_PASSWORD = ""  # noqa: S105  (empty: no SMTP login)
MAIL_SENDER = ""  # "Trung tâm BDCT <no-reply@example.vn>"; without a name the center's name
MAIL_TIMEOUT = 30  # seconds for each exchange with the server
# After a temporary refusal (4xx, a dropped connection): wait this long before the next try;
# after the last one the notice is "failed" with the server's answer.
MAIL_RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
# A notice "sending" this long belongs to a sender that died mid-message: it becomes "uncertain"
# (it may have arrived) and is never resent by itself (lms/notices/outbox.py).
MAIL_SENDING_STALE_SECONDS = 600
# Send right after a request commits notices (a thread of this process, or RQ with REDIS_URL).
# False: only `flask lms send-notices` / `send-reminders` send (cron).
MAIL_SEND_AFTER_COMMIT = True
# `flask lms send-reminders` writes tomorrow's reminders and yesterday's missing marks from this
# local hour on (nobody is mailed at night when cron runs it every few minutes).
REMINDERS_FROM_HOUR = 7
