-- Service hours (志愿服务时长, issue 15): the time each finished task took, as its provider gave it, in an
-- append-only ledger; the supervising social worker's reviews of a volunteer's hours; and the certificates issued
-- over the ledger, each with the reference code that `sanshe hours verify` checks.
--
-- The ledger holds no resident's data: a person (the provider, whose hours they are), a request id (which a
-- resident's withdrawal of consent leaves in place, anonymous), minutes, codes and times. So nothing in these
-- tables is erased on withdrawal, and the triggers forbid every UPDATE and DELETE without exception.

CREATE TABLE service_hours (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES users(telegram_id),
    request_id      INTEGER NOT NULL REFERENCES requests(id),
    minutes         INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 720),  -- core.hours.MIN_MINUTES..MAX_MINUTES
    kind            TEXT    NOT NULL CHECK (kind IN ('reported', 'correction')),
    corrects        INTEGER REFERENCES service_hours(id),  -- a correction replaces this entry's figure
    provider_kind   TEXT    NOT NULL CHECK (provider_kind IN ('social_worker', 'volunteer', 'org_member')),
    served_at       TEXT    NOT NULL,  -- when the task was finished: the day a period counts it on
    recorded_by     INTEGER NOT NULL,
    recorded_at     TEXT    NOT NULL,
    reason          TEXT    CHECK (reason IN ('provider_corrected')),  -- a code, never free text
    CHECK ((kind = 'reported') = (corrects IS NULL))
);
-- One first report per task and person; a figure is corrected once (the next correction corrects the correction),
-- so two corrections at the same moment cannot both stand.
CREATE UNIQUE INDEX service_hours_one_report ON service_hours(person_id, request_id) WHERE kind = 'reported';
CREATE UNIQUE INDEX service_hours_one_correction ON service_hours(corrects);
CREATE INDEX service_hours_person ON service_hours(person_id, served_at);
CREATE INDEX service_hours_request ON service_hours(request_id);
CREATE TRIGGER service_hours_no_update BEFORE UPDATE ON service_hours
BEGIN SELECT RAISE(ABORT, 'service_hours is append-only: a correction is a new row'); END;
CREATE TRIGGER service_hours_no_delete BEFORE DELETE ON service_hours
BEGIN SELECT RAISE(ABORT, 'service_hours is append-only: a correction is a new row'); END;

-- A supervising social worker's word on a volunteer's hours: on one figure (entry_id), or on the whole task
-- (entry_id NULL: the 有问题 of the message sent at 完成). The latest word that applies decides.
CREATE TABLE service_hours_reviews (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests(id),
    person_id       INTEGER NOT NULL REFERENCES users(telegram_id),
    entry_id        INTEGER REFERENCES service_hours(id),
    decision        TEXT    NOT NULL CHECK (decision IN ('confirmed', 'flagged')),
    reviewer_id     INTEGER NOT NULL REFERENCES users(telegram_id),
    at              TEXT    NOT NULL
);
CREATE INDEX service_hours_reviews_person ON service_hours_reviews(person_id, request_id);
CREATE TRIGGER service_hours_reviews_no_update BEFORE UPDATE ON service_hours_reviews
BEGIN SELECT RAISE(ABORT, 'service_hours_reviews is append-only'); END;
CREATE TRIGGER service_hours_reviews_no_delete BEFORE DELETE ON service_hours_reviews
BEGIN SELECT RAISE(ABORT, 'service_hours_reviews is append-only'); END;

-- What a certificate certified when it was issued, kept as printed (names included), so that verifying a code
-- says what it certified even after the ledger or a name changed.
CREATE TABLE hours_certificates (
    code            TEXT    PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES users(telegram_id),
    person_name     TEXT    NOT NULL,
    organization    TEXT,
    first_day       TEXT    NOT NULL,  -- YYYY-MM-DD, in the city's time zone
    last_day        TEXT    NOT NULL,
    minutes         INTEGER NOT NULL,
    tasks           INTEGER NOT NULL,
    confirmed_by    TEXT    NOT NULL,  -- the confirming social workers' names, joined with 、
    issued_at       TEXT    NOT NULL
);
CREATE INDEX hours_certificates_person ON hours_certificates(person_id, issued_at);
CREATE TRIGGER hours_certificates_no_update BEFORE UPDATE ON hours_certificates
BEGIN SELECT RAISE(ABORT, 'hours_certificates are kept as issued'); END;
CREATE TRIGGER hours_certificates_no_delete BEFORE DELETE ON hours_certificates
BEGIN SELECT RAISE(ABORT, 'hours_certificates are kept as issued'); END;
