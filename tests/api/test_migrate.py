"""`wos migrate`: the migration runner (src/db/migrate*.c, docs/migrations.md).

Runs the real binary against fresh databases. The embedded set (migrations/) is exercised as
shipped; every other behaviour uses small throwaway migrations written into a temp directory
and passed with --dir.
"""

import glob
import hashlib
import re
import shutil
import subprocess
import textwrap
import time

import pytest

import wos_harness

WIDGETS = {
    "0001_create_widgets.up.sql": """
        -- message: create widgets
        CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);
    """,
    "0001_create_widgets.down.sql": "DROP TABLE widgets;\n",
    "0002_create_gadgets.up.sql": """
        -- message: create gadgets
        CREATE TABLE gadgets (id int PRIMARY KEY);
        INSERT INTO gadgets VALUES (1);
    """,
    "0002_create_gadgets.down.sql": "DROP TABLE gadgets;\n",
    "0003_index_widget_names.up.sql": """
        -- message: index widget names
        -- wos:no-transaction
        CREATE INDEX CONCURRENTLY ix_widgets_name ON widgets (name);
    """,
    "0003_index_widget_names.down.sql": """
        -- wos:no-transaction
        DROP INDEX CONCURRENTLY ix_widgets_name;
    """,
}


def write(d, files):
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (d / name).write_text(textwrap.dedent(text).lstrip("\n"))
    return d


@pytest.fixture
def migrate(run_wos):
    def run(env, *args, d=None, timeout=120):
        cmd = ["migrate", *args]
        if d is not None:
            cmd += ["--dir", str(d)]
        return run_wos(*cmd, env=env, timeout=timeout)

    return run


def rows(pg, env):
    conn = pg(env["DATABASE_URL"])
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return None
    return conn.execute("SELECT revision, dirty FROM schema_migrations ORDER BY 1").fetchall()


def applied(pg, env):
    return [r for r, _ in rows(pg, env) or []]


def tables(pg, env):
    conn = pg(env["DATABASE_URL"])
    return sorted(r[0] for r in conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        " AND relkind IN ('r', 'p')").fetchall())


def ok(res):
    assert res.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        res.returncode, res.stdout, res.stderr)
    return res


def refused(res, code=1):
    assert res.returncode == code, "exit %d (expected %d)\nstdout:\n%s\nstderr:\n%s" % (
        res.returncode, code, res.stdout, res.stderr)
    return res.stdout + res.stderr


def pg_dump_bin():
    found = shutil.which("pg_dump") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
    if isinstance(found, list):
        found = found[-1] if found else None
    if not found:
        pytest.fail("pg_dump not found")
    return found


def schema_dump(url):
    res = subprocess.run([pg_dump_bin(), "--schema-only", "--no-owner", "--no-privileges", url],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    keep = []
    for line in res.stdout.splitlines():
        if not line.strip() or line.startswith("--") or line.startswith("SET "):
            continue
        if line.startswith(("SELECT pg_catalog.set_config", "\\restrict", "\\unrestrict")):
            continue  # \restrict carries a random key (pg_dump >= 15.14)
        keep.append(line.rstrip())
    return "\n".join(keep)


# ---------------------------------------------------------------- the embedded set


def test_embedded_migrations_up_down_up_give_the_same_schema(wos_env, migrate, pg):
    env = wos_env()
    ok(migrate(env, "upgrade", "head"))
    first = schema_dump(env["DATABASE_URL"])
    assert "CREATE TABLE public.schema_migrations" in first
    revisions = applied(pg, env)
    assert revisions and revisions == sorted(revisions)
    ok(migrate(env, "check"))

    ok(migrate(env, "downgrade", "base"))
    assert tables(pg, env) == ["schema_migrations"]
    assert applied(pg, env) == []
    leftovers = pg(env["DATABASE_URL"]).execute(
        "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace").fetchone()[0]
    assert leftovers == 0, "down scripts left functions behind"

    out = ok(migrate(env, "upgrade", "head")).stdout
    assert all(re.search(r"Applying %s \.\.\. done in \d+ ms" % r, out) for r in revisions), out
    assert schema_dump(env["DATABASE_URL"]) == first
    assert applied(pg, env) == revisions


def test_embedded_migrations_pass_lint(wos_env, migrate):
    out = ok(migrate(wos_env(), "lint")).stdout
    assert "0 error(s)" in out


def test_check_names_a_hand_made_column_on_the_real_schema(wos_env, migrate, pg):
    env = wos_env()
    ok(migrate(env, "upgrade"))
    assert "no drift" in ok(migrate(env, "check")).stdout
    pg(env["DATABASE_URL"]).execute("ALTER TABLE users ADD COLUMN nickname text")
    res = migrate(env, "check")
    text = refused(res)
    assert "column users.nickname exists in database but not in migrations" in text
    # the check ran in a rolled-back transaction: no scratch schema is left behind
    schemas = pg(env["DATABASE_URL"]).execute(
        "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'wos_drift_%'").fetchone()[0]
    assert schemas == 0


def test_a_restored_backup_shows_no_drift(wos_env, migrate, new_database, tmp_path):
    """pg_dump --format=custom, pg_restore into a new database, `check` is clean (the restore
    drill of docs/operations.md): PostgreSQL prints restored CHECK/IN constraints differently."""
    env = wos_env()
    ok(migrate(env, "upgrade", "head"))
    dump = tmp_path / "backup.dump"
    res = subprocess.run([pg_dump_bin(), "--format=custom", "--no-owner", "--no-acl", "-f",
                          str(dump), env["DATABASE_URL"]], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    target = new_database()
    restore = pg_dump_bin().replace("pg_dump", "pg_restore")
    res = subprocess.run([restore, "--no-owner", "--no-acl", "--dbname", target, str(dump)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = ok(migrate(dict(env, DATABASE_URL=target), "check")).stdout
    assert "no drift" in out


def test_two_concurrent_upgrades_apply_each_migration_once(wos_env, pg, tmp_path):
    d = write(tmp_path / "m", {
        **WIDGETS,
        "0002_create_gadgets.up.sql": """
            -- message: create gadgets slowly
            SELECT pg_sleep(1.5);
            CREATE TABLE gadgets (id int PRIMARY KEY);
            INSERT INTO gadgets VALUES (1);
        """,
    })
    env = wos_env(MIGRATE_LOCK_TIMEOUT_SECONDS=60)
    cmd = [str(wos_harness.wos_bin()), "migrate", "upgrade", "head", "--dir", str(d)]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=str(tmp_path)) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, out + err
        assert not wos_harness.sanitizer_report(err), err
    stdout = [o for o, _ in outs]
    assert sum("Nothing to upgrade" in o for o in stdout) == 1, stdout
    assert sum(o.count("Applying 0002_create_gadgets") for o in stdout) == 1, stdout
    assert rows(pg, env) == [("0001_create_widgets", False), ("0002_create_gadgets", False),
                             ("0003_index_widget_names", False)]
    assert pg(env["DATABASE_URL"]).execute("SELECT count(*) FROM gadgets").fetchone()[0] == 1


def test_lock_wait_gives_up_after_the_timeout(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env(MIGRATE_LOCK_TIMEOUT_SECONDS=1)
    holder = pg(env["DATABASE_URL"])
    holder.execute("SELECT pg_advisory_lock(6291338873243518802)")
    started = time.monotonic()
    text = refused(migrate(env, "upgrade", d=d))
    assert time.monotonic() - started < 20
    assert "migration lock" in text
    assert rows(pg, env) is None
    holder.execute("SELECT pg_advisory_unlock(6291338873243518802)")
    ok(migrate(env, "upgrade", d=d))


# ---------------------------------------------------------------- check


def test_check_reports_pending_changed_checksum_and_drift(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env()
    ok(migrate(env, "upgrade", "+1", d=d))
    text = refused(migrate(env, "check", d=d))
    assert "pending: 0002_create_gadgets" in text
    assert "pending: 0003_index_widget_names" in text

    ok(migrate(env, "upgrade", d=d))
    ok(migrate(env, "check", d=d))

    up = d / "0001_create_widgets.up.sql"
    original = up.read_text()
    up.write_text(original + "-- edited after it was applied\n")
    text = refused(migrate(env, "check", d=d))
    new_sum = hashlib.sha256(up.read_bytes()).hexdigest()
    assert "changed: 0001_create_widgets" in text and new_sum in text
    up.write_text(original)
    ok(migrate(env, "check", d=d))

    conn = pg(env["DATABASE_URL"])
    conn.execute("ALTER TABLE widgets ADD COLUMN nickname text")
    conn.execute("ALTER TABLE gadgets ALTER COLUMN id TYPE bigint")
    conn.execute("DROP INDEX ix_widgets_name")
    text = refused(migrate(env, "check", d=d))
    assert "column widgets.nickname exists in database but not in migrations" in text
    assert "column gadgets.id differs: database has `bigint NOT NULL`, migrations have " \
        "`integer NOT NULL`" in text
    assert "index ix_widgets_name is missing from the database" in text


# ---------------------------------------------------------------- offline SQL


def test_sql_prints_sql_and_leaves_the_database_untouched(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env()
    out = ok(migrate(env, "upgrade", "head", "--sql", d=d)).stdout
    assert "CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);" in out
    assert "CREATE INDEX CONCURRENTLY ix_widgets_name" in out
    assert "INSERT INTO schema_migrations" in out and "'0003_index_widget_names'" in out
    assert out.count("BEGIN;") == 2  # the no-transaction migration has none
    assert rows(pg, env) is None
    assert tables(pg, env) == []

    # the embedded set, too
    out = ok(migrate(env, "upgrade", "--sql")).stdout
    assert "CREATE TABLE users" in out
    assert rows(pg, env) is None and tables(pg, env) == []

    # downgrade --sql after a real upgrade: prints the down scripts, changes nothing
    ok(migrate(env, "upgrade", d=d))
    before = rows(pg, env)
    out = ok(migrate(env, "downgrade", "-2", "--sql", d=d)).stdout
    assert "DROP INDEX CONCURRENTLY ix_widgets_name;" in out and "DROP TABLE gadgets;" in out
    assert "DELETE FROM schema_migrations WHERE revision = '0002_create_gadgets';" in out
    assert "DROP TABLE widgets" not in out
    assert rows(pg, env) == before
    assert tables(pg, env) == ["gadgets", "schema_migrations", "widgets"]


def test_sql_range_works_without_a_database(wos_env, migrate, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env(DATABASE_URL="postgresql://wos@127.0.0.1:1/nowhere")
    out = ok(migrate(env, "upgrade", "0001:head", "--sql", d=d)).stdout
    assert "CREATE TABLE gadgets" in out and "CREATE TABLE widgets" not in out
    out = ok(migrate(env, "downgrade", "head:base", "--sql", d=d)).stdout
    assert out.index("DROP INDEX") < out.index("DROP TABLE gadgets") < out.index(
        "DROP TABLE widgets")
    refused(migrate(env, "upgrade", "0001:head", d=d))  # a range needs --sql


# ---------------------------------------------------------------- steps, targets, stamp


def test_upgrade_and_downgrade_by_steps_and_revisions(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env()
    out = ok(migrate(env, "upgrade", "+1", d=d)).stdout
    assert re.search(r"Applying 0001_create_widgets \.\.\. done in \d+ ms", out)
    assert applied(pg, env) == ["0001_create_widgets"]
    assert "0001_create_widgets; binary head is 0003_index_widget_names (2 pending)" in ok(
        migrate(env, "current", d=d)).stdout

    ok(migrate(env, "upgrade", "0002", d=d))
    assert applied(pg, env) == ["0001_create_widgets", "0002_create_gadgets"]
    ok(migrate(env, "upgrade", d=d))
    assert "0003_index_widget_names (head)" in ok(migrate(env, "current", d=d)).stdout
    assert "Nothing to upgrade" in ok(migrate(env, "upgrade", d=d)).stdout

    out = ok(migrate(env, "downgrade", "-1", d=d)).stdout
    assert re.search(r"Reverting 0003_index_widget_names \.\.\. done in \d+ ms", out)
    assert applied(pg, env) == ["0001_create_widgets", "0002_create_gadgets"]
    ok(migrate(env, "downgrade", "0001_create_widgets", d=d))
    assert applied(pg, env) == ["0001_create_widgets"]
    assert tables(pg, env) == ["schema_migrations", "widgets"]
    refused(migrate(env, "downgrade", "-2", d=d))
    refused(migrate(env, "downgrade", "0002_create_gadgets", d=d))  # not applied
    refused(migrate(env, "downgrade", d=d), code=2)  # a target is required
    refused(migrate(env, "upgrade", "0009_nope", d=d))
    ok(migrate(env, "downgrade", "base", d=d))
    assert applied(pg, env) == [] and tables(pg, env) == ["schema_migrations"]


def test_history_lists_every_revision(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env()
    ok(migrate(env, "upgrade", "+2", d=d))
    out = ok(migrate(env, "history", d=d)).stdout
    lines = out.splitlines()
    order = [l.split()[0] for l in lines[1:]]
    assert order == ["0003_index_widget_names", "0002_create_gadgets", "0001_create_widgets"]
    assert re.search(r"0003_index_widget_names\s+pending\s+[0-9a-f]{12}\s+index widget names", out)
    assert re.search(r"0001_create_widgets\s+applied \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by \S+"
                     r"\s+[0-9a-f]{12}\s+create widgets", out)
    version = pg(env["DATABASE_URL"]).execute(
        "SELECT applied_by_version FROM schema_migrations LIMIT 1").fetchone()[0]
    assert version
    full = hashlib.sha256((d / "0002_create_gadgets.up.sql").read_bytes()).hexdigest()
    out = ok(migrate(env, "history", "--verbose", d=d)).stdout
    assert full in out and "(matches file)" in out and "runs outside a transaction" in out


def test_stamp_adopts_an_existing_database(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env()
    conn = pg(env["DATABASE_URL"])
    conn.execute("CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL)")
    conn.execute("INSERT INTO widgets VALUES (7, 'kept')")

    out = ok(migrate(env, "stamp", "0001_create_widgets", d=d)).stdout
    assert "Stamped 0001_create_widgets" in out
    assert rows(pg, env) == [("0001_create_widgets", False)]
    ok(migrate(env, "upgrade", d=d))
    assert applied(pg, env) == ["0001_create_widgets", "0002_create_gadgets",
                                "0003_index_widget_names"]
    assert conn.execute("SELECT name FROM widgets").fetchall() == [("kept",)]

    ok(migrate(env, "stamp", "base", d=d))
    assert applied(pg, env) == []
    assert tables(pg, env) == ["gadgets", "schema_migrations", "widgets"]  # nothing ran
    ok(migrate(env, "stamp", "head", d=d))
    assert len(applied(pg, env)) == 3
    ok(migrate(env, "check", d=d))


# ---------------------------------------------------------------- failures


def test_failing_migration_rolls_back_and_names_file_and_statement(wos_env, migrate, pg,
                                                                     tmp_path):
    d = write(tmp_path / "m", {
        "0001_create_widgets.up.sql": WIDGETS["0001_create_widgets.up.sql"],
        "0001_create_widgets.down.sql": WIDGETS["0001_create_widgets.down.sql"],
        "0002_broken.up.sql": """
            -- message: broken on purpose
            CREATE TABLE half (id int);
            INSERT INTO half VALUES (1);

            UPDATE widgets
               SET name = 'x'
             WHERE missing_column = 1;
        """,
        "0002_broken.down.sql": "DROP TABLE half;\n",
    })
    env = wos_env()
    res = migrate(env, "upgrade", d=d)
    text = refused(res)
    assert "0002_broken.up.sql" in text
    assert "statement 3 (line 7)" in text
    assert "WHERE missing_column = 1;" in text or "WHERE missing_column = 1" in text
    assert 'column "missing_column" does not exist' in text
    assert "rolled back" in text
    assert applied(pg, env) == ["0001_create_widgets"]
    assert "half" not in tables(pg, env)


def test_no_transaction_failure_leaves_dirty_state_until_stamped(wos_env, migrate, pg,
                                                                   tmp_path):
    files = {
        "0001_create_widgets.up.sql": WIDGETS["0001_create_widgets.up.sql"],
        "0001_create_widgets.down.sql": WIDGETS["0001_create_widgets.down.sql"],
        "0002_concurrent.up.sql": """
            -- message: concurrent index that fails half-way
            -- wos:no-transaction
            CREATE TABLE parts (id int);
            CREATE INDEX CONCURRENTLY ix_parts_id ON parts (id);
            SELECT * FROM no_such_table;
        """,
        "0002_concurrent.down.sql": "DROP TABLE parts;\n",
    }
    d = write(tmp_path / "m", files)
    env = wos_env()
    text = refused(migrate(env, "upgrade", d=d))
    assert "0002_concurrent.up.sql" in text and "statement 3" in text
    assert 'relation "no_such_table" does not exist' in text
    assert "dirty" in text
    assert rows(pg, env) == [("0001_create_widgets", False), ("0002_concurrent", True)]
    assert "parts" in tables(pg, env)  # statements before the failure stay applied

    for args in (["upgrade"], ["downgrade", "-1"]):
        text = refused(migrate(env, *args, d=d))
        assert "0002_concurrent is dirty" in text
        assert "wos migrate stamp 0002_concurrent" in text
        assert "wos migrate stamp 0001_create_widgets" in text
    assert "DIRTY" in ok(migrate(env, "current", d=d)).stdout
    assert "dirty: 0002_concurrent" in refused(migrate(env, "check", d=d))

    # repair: undo by hand, record the previous revision, fix the file, go again
    pg(env["DATABASE_URL"]).execute("DROP TABLE parts")
    ok(migrate(env, "stamp", "0001_create_widgets", d=d))
    assert rows(pg, env) == [("0001_create_widgets", False)]
    (d / "0002_concurrent.up.sql").write_text(
        files["0002_concurrent.up.sql"].replace("SELECT * FROM no_such_table;", ""))
    ok(migrate(env, "upgrade", d=d))
    assert rows(pg, env) == [("0001_create_widgets", False), ("0002_concurrent", False)]
    ok(migrate(env, "check", d=d))


def test_stamp_of_the_dirty_revision_records_it_as_applied(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", {
        "0001_steps.up.sql": """
            -- message: steps
            -- wos:no-transaction
            CREATE TABLE steps (id int);
            SELECT 1 / 0;
        """,
        "0001_steps.down.sql": "DROP TABLE steps;\n",
    })
    env = wos_env()
    assert "division by zero" in refused(migrate(env, "upgrade", d=d))
    # finished by hand: the remaining statement had nothing to do
    out = ok(migrate(env, "stamp", "0001_steps", d=d)).stdout
    assert "Cleared the dirty flag of 0001_steps" in out
    assert rows(pg, env) == [("0001_steps", False)]


def test_no_transaction_splitter_handles_quotes_comments_and_bodies(wos_env, migrate, pg,
                                                                      tmp_path):
    d = write(tmp_path / "m", {
        "0001_tricky.up.sql": """
            -- message: tricky statements; run one by one
            -- wos:no-transaction
            CREATE TABLE notes (id int, body text DEFAULT 'a;b'); -- trailing ; comment
            /* block ; comment /* nested ; */ still comment; */
            INSERT INTO notes VALUES (1, E'it\\'s; fine'), (2, 'say ''hi;''');
            CREATE FUNCTION note_count() RETURNS bigint LANGUAGE plpgsql AS $body$
            BEGIN
                RETURN (SELECT count(*) FROM notes); -- ; inside the body
            END
            $body$;
            CREATE FUNCTION two() RETURNS int LANGUAGE sql
            BEGIN ATOMIC
                SELECT 1;
                SELECT 2;
            END;
            CREATE TABLE "semi;colon" (x int)
        """,
        "0001_tricky.down.sql": """
            DROP FUNCTION two(); DROP FUNCTION note_count();
            DROP TABLE "semi;colon"; DROP TABLE notes;
        """,
    })
    env = wos_env()
    ok(migrate(env, "upgrade", d=d))
    conn = pg(env["DATABASE_URL"])
    assert conn.execute("SELECT body FROM notes ORDER BY id").fetchall() == [
        ("it's; fine",), ("say 'hi;'",)]
    assert conn.execute("SELECT note_count(), two()").fetchone() == (2, 2)
    assert "semi;colon" in tables(pg, env)
    ok(migrate(env, "check", d=d))
    ok(migrate(env, "downgrade", "base", d=d))
    assert tables(pg, env) == ["schema_migrations"]


def test_unknown_revision_in_the_database_is_refused(wos_env, migrate, pg, tmp_path):
    newer = write(tmp_path / "newer", WIDGETS)
    older = write(tmp_path / "older", {k: v for k, v in WIDGETS.items() if k.startswith("0001")})
    env = wos_env()
    ok(migrate(env, "upgrade", d=newer))
    for args in (["upgrade"], ["downgrade", "-1"], ["stamp", "base"]):
        text = refused(migrate(env, *args, d=older))
        assert "0003_index_widget_names" in text and "does not know" in text
    assert "unknown to this binary" in ok(migrate(env, "current", d=older)).stdout
    assert "unknown: 0002_create_gadgets" in refused(migrate(env, "check", d=older))
    assert len(applied(pg, env)) == 3


def test_downgrade_base_is_refused_in_production_without_force(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", WIDGETS)
    env = wos_env(APP_ENV="production", FRONTEND_BASE_URL="https://wos.example.com",
                  CORS_ORIGINS="https://wos.example.com")
    ok(migrate(env, "upgrade", d=d))
    text = refused(migrate(env, "downgrade", "base", d=d))
    assert "production" in text and "--force" in text
    text = refused(migrate(env, "downgrade", "-3", d=d))
    assert "--force" in text
    assert len(applied(pg, env)) == 3
    ok(migrate(env, "downgrade", "-1", d=d))  # partial downgrades stay allowed
    ok(migrate(env, "downgrade", "base", "--force", d=d))
    assert applied(pg, env) == []


def test_missing_down_script_blocks_downgrade(wos_env, migrate, pg, tmp_path):
    d = write(tmp_path / "m", {k: v for k, v in WIDGETS.items() if k != "0002_create_gadgets.down.sql"})
    env = wos_env()
    ok(migrate(env, "upgrade", d=d))
    ok(migrate(env, "downgrade", "-1", d=d))
    text = refused(migrate(env, "downgrade", "-1", d=d))
    assert "0002_create_gadgets has no down script" in text
    assert len(applied(pg, env)) == 2


# ---------------------------------------------------------------- configuration and usage


def test_sqlite_url_is_refused_before_anything_runs(wos_env, migrate, tmp_path):
    env = wos_env(DATABASE_URL="sqlite:///tmp/wos.db")
    res = migrate(env, "upgrade")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "SQLite is no longer supported" in res.stderr


def test_usage_errors(wos_env, migrate, tmp_path):
    env = wos_env()
    assert migrate(env, "frobnicate").returncode == 2
    assert migrate(env, "upgrade", "--bogus").returncode == 2
    assert migrate(env).returncode == 2
    bad = write(tmp_path / "bad", {"0001_Bad-Name.up.sql": "SELECT 1;\n"})
    assert "not a migration file name" in refused(migrate(env, "upgrade", d=bad))
    dup = write(tmp_path / "dup", {"0001_a.up.sql": "SELECT 1;\n", "0001_b.up.sql": "SELECT 1;\n"})
    assert "share the number 0001" in refused(migrate(env, "upgrade", d=dup))


# ---------------------------------------------------------------- revision


def test_revision_creates_the_next_pair_of_files(wos_env, run_wos, tmp_path):
    work = tmp_path / "repo"
    write(work / "migrations", WIDGETS)
    env = wos_env()
    res = ok(run_wos("migrate", "revision", "-m", "Add foo-bar to Widgets!", env=env, cwd=work))
    up = work / "migrations/0004_add_foo_bar_to_widgets.up.sql"
    down = work / "migrations/0004_add_foo_bar_to_widgets.down.sql"
    assert str(up.name) in res.stdout and up.exists() and down.exists()
    assert up.read_text().startswith("-- message: Add foo-bar to Widgets!\n")

    d = tmp_path / "elsewhere"
    d.mkdir()
    ok(run_wos("migrate", "revision", "-m", "first", "--dir", str(d), env=env))
    ok(run_wos("migrate", "revision", "-m", "second", env=dict(env, WOS_MIGRATIONS_DIR=str(d))))
    assert sorted(p.name for p in d.iterdir()) == [
        "0001_first.down.sql", "0001_first.up.sql", "0002_second.down.sql",
        "0002_second.up.sql"]
    assert run_wos("migrate", "revision", env=env, cwd=work).returncode == 2  # -m is required
    # the new, empty migration applies and lints (only the "empty" warning)
    out = ok(run_wos("migrate", "lint", "--dir", str(d), env=env)).stdout
    assert "0 error(s)" in out and "[empty]" in out
    ok(run_wos("migrate", "upgrade", "--dir", str(d), env=env))


# ---------------------------------------------------------------- lint

BASE_TABLE = {
    "0001_people.up.sql": """
        -- message: people
        CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, age int);
    """,
    "0001_people.down.sql": "DROP TABLE people;\n",
}

RISKY = [
    ("drop-table", "DROP TABLE people;"),
    ("drop-column", "ALTER TABLE people DROP COLUMN age;"),
    ("alter-column-type", "ALTER TABLE people ALTER COLUMN name TYPE varchar(20);"),
    ("alter-column-type", "ALTER TABLE ONLY public.people ALTER age SET DATA TYPE bigint;"),
    ("add-not-null", "ALTER TABLE people ADD COLUMN email text NOT NULL;"),
    ("add-not-null", "ALTER TABLE people ADD COLUMN IF NOT EXISTS nick text, "
                     "ADD COLUMN code int PRIMARY KEY;"),
    ("non-concurrent-index", "CREATE INDEX ix_people_name ON people (name);"),
    ("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY ix_people_age ON people (age);"),
    ("transaction-control", "COMMIT;"),
]


@pytest.mark.parametrize("rule,statement", RISKY)
def test_lint_flags_risky_statements(wos_env, migrate, tmp_path, rule, statement):
    d = write(tmp_path / "m", {
        **BASE_TABLE,
        "0002_risky.up.sql": "-- message: risky\n%s\n" % statement,
        "0002_risky.down.sql": "SELECT 1;\n",
    })
    res = migrate(wos_env(), "lint", d=d)
    text = refused(res)
    assert re.search(r"0002_risky\.up\.sql:2: error \[%s\]" % re.escape(rule), text), text


def test_lint_flags_missing_down_and_message(wos_env, migrate, tmp_path):
    d = write(tmp_path / "m", {**BASE_TABLE, "0002_bare.up.sql": "SELECT 1;\n"})
    text = refused(migrate(wos_env(), "lint", d=d))
    assert "error [missing-down]" in text and "error [missing-message]" in text


def test_lint_accepts_safe_patterns_and_allow_directive(wos_env, migrate, tmp_path):
    d = write(tmp_path / "m", {
        **BASE_TABLE,
        "0002_safe.up.sql": """
            -- message: safe changes
            CREATE TABLE pets (id int PRIMARY KEY, owner int NOT NULL);
            CREATE INDEX ix_pets_owner ON pets (owner);
            ALTER TABLE pets ALTER COLUMN owner TYPE bigint;
            ALTER TABLE people ADD COLUMN score int NOT NULL DEFAULT 0;
            ALTER TABLE people ADD COLUMN nick text;
            ALTER TABLE people ADD CONSTRAINT ck_people_age CHECK (age >= 0);
            ALTER TABLE people DROP CONSTRAINT ck_people_age;
            DROP TABLE pets;
            SELECT 'DROP TABLE people; ALTER TABLE people DROP COLUMN age';
        """,
        "0002_safe.down.sql": "ALTER TABLE people DROP COLUMN score, DROP COLUMN nick;\n",
        "0003_concurrent.up.sql": """
            -- message: concurrent index
            -- wos:no-transaction
            CREATE INDEX CONCURRENTLY ix_people_name ON people (name);
        """,
        "0003_concurrent.down.sql": "-- wos:no-transaction\nDROP INDEX CONCURRENTLY ix_people_name;\n",
        "0004_allowed.up.sql": """
            -- message: drop age on purpose
            -- wos:allow drop-column
            ALTER TABLE people DROP COLUMN age;
        """,
        "0004_allowed.down.sql": "ALTER TABLE people ADD COLUMN age int;\n",
    })
    env = wos_env()
    out = ok(migrate(env, "lint", d=d)).stdout
    assert "0 error(s)" in out, out
    assert "allowed [drop-column]" in out
    # lint REV looks at one migration only
    out = ok(migrate(env, "lint", "0003", d=d)).stdout
    assert out.startswith("lint: 1 migration(s)")
    # and the set really applies, downgrades and applies again
    ok(migrate(env, "upgrade", d=d))
    ok(migrate(env, "downgrade", "base", d=d))
    ok(migrate(env, "upgrade", d=d))
    ok(migrate(env, "check", d=d))


# ---------------------------------------------------------------- wos serve start-up


def test_serve_applies_pending_migrations_before_listening(wos_env, start_server, pg):
    env = wos_env()
    srv = start_server(env)
    revisions = applied(pg, env)
    assert revisions and all(not dirty for _, dirty in rows(pg, env))
    srv.stop()
    # a second start finds nothing to do
    srv = start_server(env)
    assert applied(pg, env) == revisions
    srv.stop()


def test_serve_refuses_an_unknown_revision(wos_env, start_server, run_wos, pg):
    env = wos_env()
    ok(run_wos("migrate", "upgrade", env=env))
    pg(env["DATABASE_URL"]).execute(
        "INSERT INTO schema_migrations (revision, checksum, applied_at, duration_ms, dirty)"
        " VALUES ('9999_from_the_future', repeat('0', 64), now(), 0, false)")
    with pytest.raises(wos_harness.HarnessError) as exc:
        start_server(env)
    assert "9999_from_the_future" in str(exc.value)


def test_serve_without_migrate_on_start_refuses_pending_migrations(wos_env, start_server):
    env = wos_env(MIGRATE_ON_START="false")
    with pytest.raises(wos_harness.HarnessError) as exc:
        start_server(env)
    assert "MIGRATE_ON_START" in str(exc.value)
