"""Benchmark set-up for self check-in under gunicorn + wrk (not a timed test).

    .venv/bin/python scripts/bench_checkin.py /tmp/bench.sqlite3 5000 > /tmp/checkin.lua
    LMS_DATABASE_URL=sqlite:////tmp/bench.sqlite3 LMS_SECRET_KEY=... gunicorn -w 2 wsgi:app
    wrk -t2 -c16 -d10s -s /tmp/checkin.lua http://127.0.0.1:8000

Builds a class with N enrolled trainees and a session open for check-in now, then writes a
wrk Lua script in which every request is a different signed-in trainee (a session cookie
and CSRF token forged with the app's own secret) posting the current code. Codes live
30-60 s: run wrk right after. Then count rows: no lost or duplicated check-ins.
"""

import hashlib
import os
import sys
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lms import create_app  # noqa: E402
from lms.attendance import checkin  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.core.types import new_token  # noqa: E402
from lms.enrollment.models import Enrollment  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.attendance.conftest import session_times_around_now  # noqa: E402
from tests.factories import Factories  # noqa: E402


def main(path: str, count: int) -> None:
    secret = os.environ["LMS_SECRET_KEY"]
    app = create_app({"SECRET_KEY": secret, "DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        make = Factories()
        day, starts, ends = session_times_around_now(started_minutes_ago=5)
        klass = make.klass(start_date=day)
        session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
        unit = make.unit()
        tokens = [new_token() for _ in range(count)]
        db.session.execute(insert(User), [
            {"username": f"bench{i}", "full_name": f"Học viên {i}", "unit_id": unit.id,
             "is_trainee": True, "session_token": t, "calendar_token": new_token(),
             "search_name": f"hoc vien {i}", "sort_key": f"{i:06d}"}
            for i, t in enumerate(tokens)
        ])
        user_ids = db.session.scalars(select(User.id).where(User.username.like("bench%"))).all()
        db.session.execute(insert(Enrollment), [
            {"class_id": klass.id, "user_id": uid, "unit_id": unit.id, "status": "enrolled",
             "source": "assigned", "enrolled_on": day} for uid in user_ids
        ])
        klass.enrolled_count = count
        session.checkin_secret = os.urandom(32)
        db.session.commit()
        code = checkin.code_for(session.checkin_secret, checkin.time_step())
        signer = app.session_interface.get_signing_serializer(app)
        csrf_signer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        ident = hashlib.sha512(b"127.0.0.1|None").hexdigest()
        pairs = []
        for token in tokens:
            raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324  (as Flask-WTF does)
            cookie = signer.dumps({"_user_id": token, "_fresh": True, "_id": ident,
                                   "csrf_token": raw})
            pairs.append((cookie, csrf_signer.dumps(raw)))
        session_id = session.id
    print("local cookies = {")
    for cookie, csrf in pairs:
        print(f'  {{"{cookie}", "{csrf}"}},')
    print("}")
    print(f'local path = "/checkin/{session_id}"')
    print(f'local code = "{code}"')
    print("""local n = 0
init = function(args)
  -- each wrk thread walks the trainees from its own random offset
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  n = math.random(#cookies)
end
request = function()
  n = n + 1
  local pair = cookies[(n % #cookies) + 1]
  return wrk.format("POST", path, {
    ["Cookie"] = "session=" .. pair[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "code=" .. code .. "&csrf_token=" .. pair[2])
end
""")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
