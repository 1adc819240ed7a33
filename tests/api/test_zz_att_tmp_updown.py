import re
import sys
sys.path.insert(0, "/work/main/tests/api")
from test_migrate import schema_dump  # noqa


def test_mine(wos_env, run_wos, pg):
    env = wos_env()
    def m(*a):
        r = run_wos("migrate", *a, "--dir", "/tmp/att/mig", env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        return r
    m("upgrade", "head")
    first = schema_dump(env["DATABASE_URL"])
    m("check")
    m("downgrade", "base")
    left = pg(env["DATABASE_URL"]).execute(
        "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace").fetchone()[0]
    assert left == 0
    m("upgrade", "head")
    assert schema_dump(env["DATABASE_URL"]) == first
    # and down/up of just the attendance pair
    m("downgrade", "-2")
    m("upgrade", "head")
    assert schema_dump(env["DATABASE_URL"]) == first
