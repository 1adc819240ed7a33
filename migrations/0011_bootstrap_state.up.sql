-- message: bootstrap state: a keyed fingerprint of the configured admin password
--
-- Every `wos serve` start reconciles the bootstrap admin with BOOTSTRAP_ADMIN_PASSWORD (spec 03
-- §3.10). Checking the configured password against the stored bcrypt hash costs one bcrypt
-- verification (~200 ms at cost 12) on every start. The bootstrapper now keeps
-- HMAC-SHA256(key derived from SECRET_KEY, password || NUL || stored hash) here: when it still
-- matches, neither the password nor the hash changed and bcrypt is skipped. Any change of the
-- password, of the hash (a password change in the app) or of SECRET_KEY misses the fingerprint
-- and takes the bcrypt path once. See docs/decisions.md ("Bootstrap password fingerprint").

CREATE TABLE bootstrap_state (
    name text PRIMARY KEY CHECK (name IN ('admin_password_fingerprint')),
    value text NOT NULL CHECK (value ~ '^[0-9a-f]{64}$'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
