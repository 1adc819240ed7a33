"""Output encoding (issue 11): hostile text is data, never markup or a formula.

- Names, notes, reasons and announcement titles carrying HTML/JS payloads are stored and
  returned verbatim as JSON strings, with Content-Type application/json and
  X-Content-Type-Options: nosniff, both in the write's answer and when read back.
- Announcement content is Markdown; its server-rendered content_html, parsed as HTML, holds no
  script-capable element, no event-handler or style attribute, and no href/src outside
  http(s), mailto and relative URLs, whatever the source tried (raw HTML, entity tricks,
  javascript:/data:/vbscript: links and images, autolinks).
- Error answers that echo nothing still come back as JSON, and the SPA fallback does not
  reflect the requested path.
- CSV exports (attendance, leave) prefix a cell that starts with =, +, - or @ with ' so a
  spreadsheet shows it as text.
"""
import csv
import html
import io
import json
import re
from html.parser import HTMLParser

import pytest
import requests

from factories import make_member, make_workspace

PAYLOADS = [
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "</textarea><svg/onload=alert(1)>",
    "{{constructor.constructor('alert(1)')()}}",
    "javascript:alert(document.cookie)",
    "'; DROP TABLE users; --",
    "\u202e<b>rtl</b> \u00e9\u4e2d\U0001F600",
]

MARKDOWN_ATTACKS = "\n\n".join([
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<a href=\"javascript:alert(3)\">raw link</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style>",
    "[plain js](javascript:alert(4))",
    "[mixed case](JaVaScRiPt:alert(5))",
    "[leading space](   javascript:alert(6))",
    "[tab inside](java\tscript:alert(7))",
    "[entity](jav&#x61;script:alert(8))",
    "[entity colon](javascript&colon;alert(9))",
    "[vb](vbscript:msgbox(10))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=)",
    "![img js](javascript:alert(12))",
    "![img data](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMTMpPg==)",
    "<javascript:alert(14)>",
    "[ok](https://example.com/page?a=1&b=2) and [rel](/api/v1/health) and <mailto:a@example.com>",
    "**bold** _it_ `code` <b onclick=alert(15)>tag</b>",
    "[title attr](https://example.com \"x\\\" onmouseover=\\\"alert(16)\")",
])

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "link", "meta", "svg", "math",
                  "form", "base", "frame", "frameset", "template", "textarea", "button"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}


def api(server, member, method, path, body=None, params=None):
    return requests.request(method, server.url + "/api/v1" + path, headers=member.auth(server),
                            json=body, params=params, timeout=30)


def assert_json(r, status=None):
    if status is not None:
        assert r.status_code == status, r.text
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json", r.headers
    assert r.headers.get("X-Content-Type-Options") == "nosniff", r.headers
    return r.json()


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


@pytest.fixture(scope="module")
def org(db):
    ws = make_workspace(db)
    admin = make_member(db, ws, "admin")
    manager = make_member(db, ws, "manager")
    return {"ws": ws, "admin": admin, "manager": manager}


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_names_and_notes_round_trip_verbatim_as_json(server, db, org, index):
    payload = PAYLOADS[index]
    admin = org["admin"]
    emp = make_member(db, org["ws"], "employee", manager=org["manager"].user_id)
    body = assert_json(api(server, emp, "PATCH", "/users/me", {"full_name": payload}), 200)
    assert body["full_name"] == payload
    assert assert_json(api(server, emp, "GET", "/users/me"), 200)["full_name"] == payload

    tag = " #" + emp.user_id[:8]  # names are unique per workspace
    writes = [
        ("/departments", {"name": payload[:80] + tag, "description": payload}, "name"),
        ("/shifts", {"name": payload[:80] + tag, "start_time": "09:00", "end_time": "18:00",
                     "description": payload}, "name"),
        ("/holidays", {"name": payload[:80] + tag, "holiday_date": f"2031-01-{index + 2:02d}",
                       "description": payload}, "name"),
    ]
    for path, data, key in writes:
        made = assert_json(api(server, admin, "POST", path, data), 201)
        assert made[key] == data[key] and made["description"] == payload, path
        listed = assert_json(api(server, admin, "GET", path, params={"limit": 200}), 200)
        got = next(x for x in listed["items"] if x["id"] == made["id"])
        assert got[key] == data[key] and got["description"] == payload, path

    session = assert_json(api(server, emp, "POST", "/attendance/check-in",
                              {"work_mode": "office", "note": payload}), 201)
    assert session["note"] == payload
    got = assert_json(api(server, admin, "GET", f"/attendance/sessions/{session['id']}"), 200)
    assert got["note"] == payload

    leave = assert_json(api(server, emp, "POST", "/leaves", {
        "start_date": "2031-05-05", "end_date": "2031-05-05", "leave_type": "sick",
        "reason": payload}), 201)
    assert leave["reason"] == payload
    got = assert_json(api(server, emp, "GET", f"/leaves/{leave['id']}"), 200)
    assert got["reason"] == payload
    listed = assert_json(api(server, admin, "GET", "/users", params={"search": payload[:50]}), 200)
    assert all(isinstance(i["full_name"], str) for i in listed["items"])


class Inspector(HTMLParser):
    """Collects what makes HTML active: tags, attributes, URL values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRS and value is not None and not url_safe(value):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def url_safe(value):
    """http(s), mailto or relative, after the decoding a browser applies."""
    v = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value)).lower()
    m = re.match(r"^([a-z][a-z0-9+.\-]*):", v)
    return m is None or m.group(1) in ("http", "https", "mailto")


def inspect_html(text):
    p = Inspector()
    p.feed(text)
    p.close()
    return p.problems


def test_inspector_catches_what_it_must():
    """The checker itself: each of these would be an XSS in a browser."""
    for bad in ('<script>x</script>', '<img src=x onerror=a()>', '<a href="javascript:x">x</a>',
                '<a href="  JaVa&#x53;cript:x">x</a>', '<a href="java\tscript:x">y</a>',
                '<img src="data:image/svg+xml,x">', '<p style="x">', '<iframe src=x>'):
        assert inspect_html(bad), bad
    assert inspect_html('<a href="https://e.com/?a=1&amp;b=2">x</a><img src="/a.png" alt="x">'
                        '<a href="mailto:a@b.c">m</a><a href="#top">t</a>') == []


def test_announcement_content_html_is_sanitised(server, org):
    admin = org["admin"]
    title = "<script>alert('title')</script>"
    made = assert_json(api(server, admin, "POST", "/announcements",
                           {"title": title, "content": MARKDOWN_ATTACKS}), 201)
    assert made["title"] == title
    assert made["content"] == MARKDOWN_ATTACKS
    for body in (made,
                 assert_json(api(server, admin, "GET", "/announcements/all"), 200)["items"][0]):
        page = body["content_html"]
        assert inspect_html(page) == [], page
        assert "<script" not in page.lower()
        # what is legitimate survives: the safe links and the formatting
        assert 'href="https://example.com/page?a=1&amp;b=2"' in page
        assert 'href="/api/v1/health"' in page
        assert "<strong>bold</strong>" in page
        # raw HTML from the source is shown as text, not dropped silently
        assert "&lt;script&gt;" in page
    # an edit re-renders through the same sanitiser
    edited = assert_json(api(server, admin, "PATCH", f"/announcements/{made['id']}",
                             {"content": "[x](javascript:alert(1)) <img src=x onerror=y()>"}), 200)
    assert inspect_html(edited["content_html"]) == [], edited["content_html"]


def test_errors_and_the_spa_fallback_do_not_reflect_markup(server, org):
    evil = "/api/v1/<script>alert(1)</script>"
    r = requests.get(server.url + evil, timeout=10)
    assert r.status_code == 404
    assert_json(r)
    assert "<script>" not in r.text
    r = requests.get(server.url + "/<script>alert(1)</script>", timeout=10)
    assert "<script>alert(1)" not in r.text
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    r = api(server, org["admin"], "POST", "/departments", {"name": "<b>x</b>", "bogus": "<i>"})
    assert r.status_code == 422
    assert_json(r)


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)"]


def rows_of_csv(r):
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv"), r.headers
    assert "attachment" in r.headers.get("Content-Disposition", "")
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    return list(csv.reader(io.StringIO(r.text)))


def assert_neutralised(rows, values):
    cells = [c for row in rows[1:] for c in row]
    for v in values:
        assert v not in cells, f"{v!r} exported as a live formula"
        assert "'" + v in cells, f"{v!r} missing from the export: {rows}"
    for c in cells:
        assert not c or c[0] not in "=+-@", f"cell {c!r} starts with a formula character"


def test_csv_exports_neutralise_formulas(server, db, org):
    ws = make_workspace(db)
    admin = make_member(db, ws, "admin")
    people = []
    for i, formula in enumerate(FORMULAS):
        m = make_member(db, ws, "employee", manager=admin.user_id, full_name=formula,
                        email=f"formula{i}.{ws[:8]}@example.test")
        people.append(m)
        with db.cursor() as cur:
            cur.execute("SELECT status FROM wos_attendance_check_in(%s::uuid, %s::uuid, 'office',"
                        " %s, 4, '2024-04-01 09:00+05'::timestamptz)", (ws, m.user_id, formula))
            assert cur.fetchone()[0] == 201
        r = api(server, m, "POST", "/leaves", {"start_date": "2031-06-02", "end_date": "2031-06-02",
                                               "leave_type": "casual", "reason": formula})
        assert r.status_code == 201, r.text
    rows = rows_of_csv(api(server, admin, "GET", "/attendance/export",
                           params={"view": "workspace", "date_from": "2024-04-01",
                                   "date_to": "2024-04-02"}))
    assert len(rows) == 1 + len(FORMULAS)
    assert_neutralised(rows, FORMULAS)
    rows = rows_of_csv(api(server, admin, "GET", "/leaves/export",
                           params={"from": "2031-06-01", "to": "2031-06-30"}))
    assert len(rows) == 1 + len(FORMULAS)
    assert_neutralised(rows, FORMULAS)
    body = json.dumps(api(server, admin, "GET", "/leaves",
                          params={"from": "2031-06-01", "to": "2031-06-30"}).json())
    for f in FORMULAS:  # JSON is data: the API itself returns the text unchanged
        assert json.dumps(f)[1:-1] in body
