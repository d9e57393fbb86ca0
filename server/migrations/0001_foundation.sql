-- Offices, accounts, sessions, the enterprise roster and the audit log.
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids are UUID text made by the
-- application; timestamps are UTC RFC 3339 text with microseconds, so they sort as text.

CREATE TABLE offices (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('inspector', 'head', 'taskforce')),
    office_id TEXT REFERENCES offices (id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (role = 'taskforce' OR office_id IS NOT NULL)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, failed_at);
CREATE INDEX login_failures_by_address ON login_failures (address, failed_at);

CREATE TABLE enterprises (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    kind TEXT NOT NULL,
    licence_no TEXT,
    licence_scope TEXT,
    licence_expiry TEXT,
    status TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    notes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX enterprises_by_office ON enterprises (office_id, name);
CREATE INDEX enterprises_by_update ON enterprises (updated_at, id);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, at);
