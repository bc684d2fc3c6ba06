-- Residents choose which projects get funded (群众评议立项). One row per round, per candidate project, per
-- resident's vote (changeable until the round closes: the primary key keeps it to one per resident per round),
-- and per batch of paper ballots that staff typed in (kept apart so results can show them separately).
CREATE TABLE vote_rounds (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title        TEXT    NOT NULL,
    winners      INTEGER NOT NULL CHECK (winners >= 1),  -- how many projects will be funded
    -- open: residents vote; counting: voting has ended, paper ballots still come in; closed: result published
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'counting', 'closed')),
    closes_at    TEXT    NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(telegram_id),
    created_at   TEXT    NOT NULL,
    closed_at    TEXT
);
CREATE INDEX vote_rounds_open ON vote_rounds(status, closes_at);
CREATE INDEX vote_rounds_community ON vote_rounds(community_id, id);

CREATE TABLE vote_projects (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES vote_rounds(id),
    position     INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    organization TEXT    NOT NULL,
    budget_yuan  INTEGER NOT NULL CHECK (budget_yuan >= 0),
    description  TEXT    NOT NULL DEFAULT '',
    won          INTEGER NOT NULL DEFAULT 0,
    -- Counts frozen when the round closes: the announced result stays as announced, even after a voter asks
    -- us to forget them (their row in votes is deleted).
    final_online INTEGER,
    final_paper  INTEGER,
    UNIQUE (round_id, position)
);

CREATE TABLE votes (
    round_id   INTEGER NOT NULL REFERENCES vote_rounds(id),
    voter_id   INTEGER NOT NULL REFERENCES users(telegram_id),
    project_id INTEGER NOT NULL REFERENCES vote_projects(id),
    cast_at    TEXT    NOT NULL,
    PRIMARY KEY (round_id, voter_id)
);

CREATE TABLE paper_votes (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES vote_projects(id),
    ballots    INTEGER NOT NULL CHECK (ballots > 0),
    note       TEXT    NOT NULL,
    added_by   INTEGER NOT NULL REFERENCES users(telegram_id),
    added_at   TEXT    NOT NULL,
    voided_by  INTEGER REFERENCES users(telegram_id),  -- a batch typed in by mistake is voided, not deleted
    voided_at  TEXT
);
