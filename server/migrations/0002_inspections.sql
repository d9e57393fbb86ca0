-- Inspections synced from the phones, their evidence, and the roster's history of site states.
-- Portable SQL, as in 0001. An inspection's id and revision come from the phone; the server keeps
-- the highest revision it has accepted, in full, and the document as it was sent.

-- Photos and signatures by SHA-256; their bytes are in the photo store (files or S3).
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    bytes BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    stored_at TEXT NOT NULL
);

CREATE TABLE inspections (
    id TEXT PRIMARY KEY,
    revision BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    office_id TEXT NOT NULL REFERENCES offices (id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    checklist_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    site_state TEXT NOT NULL,
    representative_name TEXT NOT NULL,
    representative_role TEXT NOT NULL,
    signature_sha256 TEXT REFERENCES photos (sha256),
    signature_refused_reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'returned', 'accepted')),
    review_comment TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TEXT,
    document TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inspections_by_office ON inspections (office_id, started_at);
CREATE INDEX inspections_by_enterprise ON inspections (enterprise_id, started_at);
CREATE INDEX inspections_by_update ON inspections (updated_at, id);

CREATE TABLE inspection_inspectors (
    inspection_id TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_inspectors_by_user ON inspection_inspectors (user_id);

CREATE TABLE inspection_answers (
    inspection_id TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    item_code TEXT NOT NULL,
    answer TEXT CHECK (answer IN ('complies', 'does_not_comply', 'not_applicable')),
    note TEXT NOT NULL,
    PRIMARY KEY (inspection_id, item_code)
);

CREATE TABLE findings (
    inspection_id TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    item_code TEXT NOT NULL,
    description TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('ordinary', 'serious')),
    deadline TEXT,
    PRIMARY KEY (inspection_id, position)
);
CREATE INDEX findings_by_deadline ON findings (deadline);

CREATE TABLE finding_measures (
    inspection_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    measure TEXT NOT NULL,
    PRIMARY KEY (inspection_id, position, measure),
    FOREIGN KEY (inspection_id, position) REFERENCES findings (inspection_id, position) ON DELETE CASCADE
);

CREATE TABLE inspection_photos (
    inspection_id TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES photos (sha256),
    item_code TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    PRIMARY KEY (inspection_id, sha256, item_code)
);
CREATE INDEX inspection_photos_by_photo ON inspection_photos (sha256);

-- What inspectors found a site to be; the roster's status follows the latest observation.
CREATE TABLE enterprise_status_history (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    status TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    inspection_id TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    recorded_at TEXT NOT NULL
);
CREATE INDEX enterprise_status_history_by_enterprise ON enterprise_status_history (enterprise_id, observed_at);
