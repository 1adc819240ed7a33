"""Invitations (POST /users) and account activation: who may invite whom, what an invitation
creates, the e-mail, activation and the first login."""
import re

import pytest

from auth_helpers import (GOOD_PASSWORD, audit_actions, bearer, email_jobs, login, login_ok,
                          register, token_from_link, unique_email)
from factories import make_department, make_member, make_shift, make_workspace

from smtp_helpers import smtp_sink, start_worker, wait_until, worker_env  # noqa: F401


def invite(http, headers, **body):
    body.setdefault("full_name", "New Person")
    body.setdefault("email", unique_email("invitee"))
    body.setdefault("role", "employee")
    return http.post("/api/v1/users", json=body, headers=headers)


@pytest.fixture
def team(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn, "Invite Co")
    members = {role: make_member(conn, ws, role) for role in
               ("admin", "hr_operations", "manager", "team_lead", "employee")}
    members["ws"] = ws
    members["conn"] = conn
    return members


def test_admin_invites_and_the_invitee_activates_then_logs_in(server, http, team):
    admin = team["admin"]
    dept = make_department(team["conn"], team["ws"], "Research")
    shift = make_shift(team["conn"], team["ws"])
    email = unique_email("ivy")
    r = invite(http, admin.auth(server), full_name="Ivy Invitee", email=email.upper(),
               role="team_lead", department_id=dept, shift_id=shift, designation="Lead",
               manager_id=team["manager"].user_id, phone="+1 555 0100")
    assert r.status_code == 201, r.text
    body = r.json()
    user = body["user"]
    assert user["email"] == email and user["status"] == "invited"
    assert user["role"] == "team_lead" and user["department_name"] == "Research"
    assert user["department"] == "Research" and user["shift_id"] == shift
    assert user["manager_id"] == team["manager"].user_id and user["phone"] == "+1 555 0100"
    assert body["invitation_email_queued"] is True and body["email_error"] is None
    assert "debug_token" not in body and "token" not in str(body).lower().replace("_", "")
    assert "USER_INVITED" in audit_actions(team["conn"], team["ws"])

    jobs = email_jobs(team["conn"], email)
    assert len(jobs) == 1
    job = jobs[0]
    assert job["template"] == "invitation" and job["to_name"] == "Ivy Invitee"
    assert job["workspace_name"] == "Invite Co" and job["vars"]["inviter_name"] == admin.full_name
    token = token_from_link(job["vars"]["link"])
    assert job["vars"]["link"] == f"/activate?token={token}"

    # An invited account cannot sign in yet, and says why.
    r = login(http, email, GOOD_PASSWORD)
    assert r.status_code == 403 and r.json()["error"]["details"][0]["reason"] == "invited"
    # The activation page can show who the invitation is for.
    preview = http.get("/api/v1/auth/invitation", params={"token": token})
    assert preview.status_code == 200
    assert preview.json()["email"] == email and preview.json()["workspace_name"] == "Invite Co"
    assert http.get("/api/v1/auth/invitation", params={"token": "nope"}).status_code == 404
    # Activation applies the password policy, then activates account and membership.
    r = http.post("/api/v1/auth/activate-account", json={"token": token, "password": "short"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "min_length"
    r = http.post("/api/v1/auth/activate-account", json={"token": token, "password": GOOD_PASSWORD})
    assert r.status_code == 200
    assert r.json() == {"message": "Account activated successfully. You can now log in."}
    again = http.post("/api/v1/auth/activate-account",
                      json={"token": token, "password": GOOD_PASSWORD})
    assert again.status_code == 400
    signed_in = login_ok(http, email, GOOD_PASSWORD)
    assert signed_in["workspace"]["id"] == team["ws"]
    assert signed_in["user"]["status"] == "active" and signed_in["user"]["role"] == "team_lead"
    assert "ACCOUNT_ACTIVATED" in audit_actions(team["conn"], team["ws"])


def test_invitation_email_goes_through_the_worker(start_server, wos_env, client, pg,
                                                  smtp_sink):
    """Invitation -> e-mail delivered by `wos worker` over SMTP -> activate -> login."""
    env = wos_env()
    srv = start_server(env)
    http = client(srv)
    admin = login_ok(http, "admin@example.com", "Test-Admin-Passw0rd!")
    email = unique_email("mailed")
    r = invite(http, bearer(admin["access_token"]), full_name="Mailed Person", email=email,
               role="employee")
    assert r.status_code == 201, r.text
    start_worker(start_server, worker_env(env, smtp_sink))
    msg = smtp_sink.wait_for(1)[0]
    assert msg.to == [email]
    text = msg.text()
    assert "Mailed Person" in text
    links = re.findall(r"https?://[^\s<>\"']*/activate\?token=[A-Za-z0-9_-]+", text)
    assert links and links[0].startswith(env["FRONTEND_BASE_URL"] + "/activate?token="), text
    token = token_from_link(links[0])
    # After the send, the job no longer holds the token.
    conn = pg(srv.database_url)
    wait_until(lambda: all(token not in str(j) for j in email_jobs(conn, email)), 10,
               "the sent job's link to be scrubbed")
    r = http.post("/api/v1/auth/activate-account", json={"token": token, "password": GOOD_PASSWORD})
    assert r.status_code == 200, r.text
    signed_in = login_ok(http, email, GOOD_PASSWORD)
    assert signed_in["workspace"]["id"] == admin["workspace"]["id"]
    assert signed_in["user"]["role"] == "employee"


def test_existing_account_gets_an_invited_membership(server, http, team):
    outsider = register(http, "Already Here")
    r = invite(http, team["admin"].auth(server), full_name="Ignored Name",
               email=outsider["email"], role="employee")
    assert r.status_code == 201, r.text
    assert r.json()["user"]["full_name"] == "Already Here"
    assert r.json()["user"]["status"] == "invited"
    assert r.json()["user"]["account_status"] == "active"
    # The account still signs in (to its own workspace); the new membership waits.
    assert login_ok(http, outsider["email"], outsider["password"])["workspace"]["id"] == \
        outsider["workspace"]["id"]
    # Inviting the same address again into the same workspace is a conflict.
    r = invite(http, team["admin"].auth(server), email=outsider["email"])
    assert r.status_code == 409
    # A password cannot be set on somebody else's existing account.
    r = invite(http, team["hr_operations"].auth(server), email=register(http, "Other")["email"],
               password="Some-Strong-Phrase-9")
    assert r.status_code == 409


def test_rank_rules(server, http, team):
    hr, mgr, tl, emp = (team[r] for r in ("hr_operations", "manager", "team_lead", "employee"))
    assert invite(http, hr.auth(server), role="team_lead").status_code == 201
    for role in ("admin", "hr_operations", "manager"):
        r = invite(http, hr.auth(server), role=role)
        assert r.status_code == 403, role
        assert r.json()["error"]["message"] == \
            f"Your role (hr_operations) cannot create users with role '{role}'"
    # A manager invites below manager rank, into their own line.
    r = invite(http, mgr.auth(server), role="employee")
    assert r.status_code == 201 and r.json()["user"]["manager_id"] == mgr.user_id
    assert invite(http, mgr.auth(server), role="team_lead").status_code == 201
    assert invite(http, mgr.auth(server), role="manager").status_code == 403
    assert invite(http, mgr.auth(server), role="admin").status_code == 403
    r = invite(http, mgr.auth(server), role="employee", manager_id=tl.user_id)
    assert r.status_code == 403
    # Roles without users.create are refused before the body is even looked at.
    for member in (tl, emp):
        r = http.post("/api/v1/users", json={}, headers=member.auth(server))
        assert r.status_code == 403 and r.json()["error"]["code"] == "PERMISSION_ERROR"
    assert invite(http, team["admin"].auth(server), role="no_such_role").status_code == 422


def test_invitation_validates_references_inside_the_workspace(server, http, team, pg):
    admin = team["admin"].auth(server)
    other_ws = make_workspace(team["conn"], "Elsewhere")
    foreign_dept = make_department(team["conn"], other_ws)
    foreign_shift = make_shift(team["conn"], other_ws)
    foreign_mgr = make_member(team["conn"], other_ws, "manager")
    r = invite(http, admin, department_id=foreign_dept)
    assert r.status_code == 400 and r.json()["error"]["message"] == "Department not found"
    r = invite(http, admin, shift_id=foreign_shift)
    assert r.status_code == 400 and r.json()["error"]["message"] == "Shift not found"
    r = invite(http, admin, manager_id=foreign_mgr.user_id)
    assert r.status_code == 400
    r = invite(http, admin, manager_id=team["employee"].user_id)  # not a management role
    assert r.status_code == 400
    r = invite(http, admin, email="not an email")
    assert r.status_code == 422


def test_create_with_password_makes_an_active_member(server, http, team):
    email = unique_email("direct")
    r = invite(http, team["admin"].auth(server), email=email, password="Sturdy-Lemon-Orchard-3")
    assert r.status_code == 201 and r.json()["user"]["status"] == "active"
    assert email_jobs(team["conn"], email) == []
    assert login_ok(http, email, "Sturdy-Lemon-Orchard-3")["workspace"]["id"] == team["ws"]
    r = invite(http, team["admin"].auth(server), password="password1234")
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "common"
    assert "USER_CREATED" in audit_actions(team["conn"], team["ws"])


def test_activation_rate_limit(start_server, wos_env, client):
    srv = start_server(wos_env())
    http = client(srv)
    for _ in range(5):
        r = http.post("/api/v1/auth/activate-account",
                      json={"token": "z" * 43, "password": GOOD_PASSWORD})
        assert r.status_code == 400
    r = http.post("/api/v1/auth/activate-account",
                  json={"token": "z" * 43, "password": GOOD_PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
