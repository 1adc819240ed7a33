"""The factories make members the server accepts: a factory token passes the database half of
authentication on a private route, and suspending the member stops the same token at once."""
import requests

from factories import make_member, make_workspace


def test_factory_token_is_accepted_and_suspension_stops_it(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    emp = make_member(conn, ws, "employee")
    ok = requests.get(server.url + "/api/v1/users/me", headers=emp.auth(server), timeout=10)
    assert ok.status_code == 200, ok.text
    assert ok.json()["id"] == emp.user_id
    with conn.cursor() as cur:
        cur.execute("UPDATE memberships SET status = 'suspended' WHERE user_id = %s", (emp.user_id,))
    refused = requests.get(server.url + "/api/v1/users/me", headers=emp.auth(server), timeout=10)
    assert refused.status_code == 401
