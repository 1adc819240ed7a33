"""The factories make members the server accepts: a factory token passes the database half of
authentication, and a suspended member's token stops at once."""
import requests

from factories import make_member, make_workspace


def test_factory_token_is_accepted_and_suspension_stops_it(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    emp = make_member(conn, ws, "employee")
    # /api/v1/health is public; the 401 check runs on any private route. Use the route table's
    # first private GET to prove the token is accepted (any status but 401).
    import json, subprocess, os
    from wos_harness import wos_bin
    rows = [json.loads(l) for l in subprocess.run([str(wos_bin()), "routes"], capture_output=True,
                                                   text=True).stdout.splitlines()]
    private_gets = [r["path"] for r in rows if not r["public"] and r["method"] == "GET"
                    and ":" not in r["path"]]
    if not private_gets:
        return  # nothing private yet to exercise
    path = private_gets[0]
    ok = requests.get(server.url + path, headers=emp.auth(server), timeout=10)
    assert ok.status_code != 401, ok.text
    with conn.cursor() as cur:
        cur.execute("UPDATE memberships SET status = 'suspended' WHERE user_id = %s", (emp.user_id,))
    refused = requests.get(server.url + path, headers=emp.auth(server), timeout=10)
    assert refused.status_code == 401
