"""Static UI files from WEB_DIST_DIR (spec 01 §1.9, §1.10, §4): types, caching, SPA fallback,
and that nothing outside the dist directory is ever served."""

import os

import pytest

import rawhttp

INDEX = b"<!doctype html><html><head><title>dist index</title></head>" \
        b"<body><div id=\"root\">static-index-marker</div></body></html>\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8cfc0f01f0005000201a5c6d1fd0000000049454e44ae426082")
SECRET = b"TOP-SECRET-OUTSIDE-DIST-3141"

FILES = {
    "index.html": (INDEX, "text/html"),
    "assets/app-1a2b3c4d.js": (b"console.log('app');\n", ("text/javascript",
                                                          "application/javascript")),
    "assets/style-5e6f7a8b.css": (b"body{margin:0}\n", "text/css"),
    "assets/logo-9c0d1e2f.svg": (b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
                                 "image/svg+xml"),
    "assets/icon-3a4b5c6d.png": (PNG, "image/png"),
    "assets/font-7e8f9a0b.woff2": (b"wOF2\x00\x01\x00\x00fake-font", "font/woff2"),
    "manifest.json": (b"{\"name\": \"Workforce OS\"}\n", "application/json"),
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    base = tmp_path_factory.mktemp("static")
    root = base / "dist"
    for name, (data, _) in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (outside / "page").write_bytes(SECRET)
    os.symlink(outside / "secret.txt", root / "secret.txt")
    os.symlink(outside / "secret.txt", root / "assets" / "leak-00000000.js")
    os.symlink(outside, root / "linkdir")
    os.symlink("/etc/passwd", root / "passwd.txt")
    (root / ".env").write_bytes(SECRET)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(SECRET)
    return root


@pytest.fixture(scope="module")
def site(start_server, wos_env, client, dist):
    srv = start_server(wos_env(WEB_DIST_DIR=str(dist)))
    http = client(srv)
    http.server = srv
    yield http
    srv.stop()


@pytest.mark.parametrize("name", sorted(FILES))
def test_files_are_served_with_their_type(site, name):
    data, types = FILES[name]
    r = site.get("/" + name)
    assert r.status_code == 200
    assert r.content == data
    types = (types,) if isinstance(types, str) else types
    assert r.headers["Content-Type"].split(";")[0].strip() in types
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_root_serves_index_to_browsers(site):
    r = site.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.content == INDEX


def test_hashed_assets_are_immutable(site):
    r = site.get("/assets/app-1a2b3c4d.js")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_index_revalidates(site):
    r = site.get("/index.html")
    assert r.headers["Cache-Control"] == "no-cache"


def test_ui_security_headers(site):
    r = site.get("/index.html")
    assert r.headers["X-Frame-Options"] == "DENY"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("name", ["index.html", "assets/app-1a2b3c4d.js", "manifest.json"])
def test_etag_revalidation(site, name):
    r = site.get("/" + name)
    etag = r.headers["ETag"]
    assert etag
    again = site.get("/" + name, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = site.get("/" + name, headers={"If-None-Match": "\"not-the-etag\""})
    assert other.status_code == 200
    assert other.content == FILES[name][0]


def test_head_on_asset(site):
    r = site.head("/assets/style-5e6f7a8b.css")
    assert r.status_code == 200
    assert r.content == b""


@pytest.mark.parametrize("path", ["/employee/dashboard", "/admin/users/42", "/login"])
def test_spa_fallback_serves_index(site, path):
    r = site.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.content == INDEX
    assert r.headers["Cache-Control"] == "no-cache"


def test_spa_fallback_with_default_dist(http):
    r = http.get("/employee/dashboard")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert b"data-wos-test-index" in r.content


def test_api_paths_never_fall_back(site):
    r = site.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == "NOT_FOUND"


def test_missing_asset_is_404(site):
    r = site.get("/assets/missing-00000000.js")
    assert r.status_code == 404
    assert r.content != INDEX


TRAVERSALS = [
    "/../etc/passwd",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2f..%2fetc/passwd",
    "/assets/../../etc/passwd",
    "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..\\..\\etc\\passwd",
    "/assets/..%5c..%5cetc%5cpasswd",
    "//etc/passwd",
    "/.%2e/.%2e/etc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/linkdir/secret.txt",
    "/linkdir/page",
    "/../outside/secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_never_leaks(site, target):
    srv = site.server
    resp, raw = rawhttp.send(srv.host, srv.port, rawhttp.request_bytes("GET", target))
    assert b"root:x:0:0" not in raw
    assert SECRET not in raw
    if resp is not None:
        assert resp.status < 500


@pytest.mark.parametrize("path", ["/secret.txt", "/assets/leak-00000000.js", "/passwd.txt"])
def test_symlink_out_of_dist_is_refused(site, path):
    r = site.get(path)
    assert r.status_code == 404
    assert SECRET not in r.content
    assert b"root:x:0:0" not in r.content


def test_post_to_static_path_is_not_served(site):
    r = site.post("/index.html", data=b"x")
    assert r.status_code in (404, 405)
    assert r.content != INDEX


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/assets/../.env", "/%2eenv"])
def test_dotfiles_in_dist_are_never_served(site, path):
    r = site.get(path)
    assert r.status_code == 404
    assert SECRET not in r.content
