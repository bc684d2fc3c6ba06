-- Funds and projects (issue 15, points 4 and 5): money in integer fen (分) in an append-only ledger, projects
-- with their communities, organisation and milestones, and calls for organisations with their applications.
-- People's ids (who booked, who applied) carry no foreign key to users: a person asking us to forget them must
-- not take the city's accounts with them.

-- A fund: money from one funder that a street office steers over its communities (fund_communities).
CREATE TABLE funds (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- street 街道财政, district 区财政, lottery 福彩公益金, donation 企业捐赠
    funder      TEXT    NOT NULL CHECK (funder IN ('street', 'district', 'lottery', 'donation')),
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE TABLE fund_communities (
    fund_id      INTEGER NOT NULL REFERENCES funds(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    PRIMARY KEY (fund_id, community_id)
);

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    fund_id         INTEGER NOT NULL REFERENCES funds(id),
    title           TEXT    NOT NULL,
    -- purchase 政府购买服务, venture 公益创投, vote 居民评议胜出
    kind            TEXT    NOT NULL CHECK (kind IN ('purchase', 'venture', 'vote')),
    budget_fen      INTEGER NOT NULL CHECK (budget_fen >= 0),
    organization_id INTEGER REFERENCES organizations(id),
    status          TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'closed')),
    -- The period whose done requests count as delivered (UTC instants, like every other time here).
    starts_at       TEXT    NOT NULL,
    ends_at         TEXT    NOT NULL,
    -- A resident vote's winner becomes at most one project (UNIQUE: pressing twice makes no duplicate).
    vote_project_id INTEGER UNIQUE REFERENCES vote_projects(id),
    -- The 以奖代补 formula staff set (JSON: per request, per hour, bonus, threshold, cap — all fen but the
    -- threshold), NULL until set.
    formula         TEXT,
    created_by      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX projects_fund ON projects(fund_id);
CREATE INDEX projects_organization ON projects(organization_id);
CREATE TABLE project_communities (
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    PRIMARY KEY (project_id, community_id)
);
CREATE INDEX project_communities_community ON project_communities(community_id);
CREATE TABLE project_milestones (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    title       TEXT    NOT NULL,
    due_on      TEXT,                      -- a local date, 2027-03-31
    done_at     TEXT,
    done_by     INTEGER
);
CREATE INDEX project_milestones_project ON project_milestones(project_id, id);

-- Every movement of money, never changed or removed (the triggers below): balances are sums of these rows.
-- Accounts, within one fund: 'source' (the funder, outside: its balance is minus what came in), 'pool' (not yet
-- allocated), 'community:<id>', 'project:<id>' (allocated, not yet spent), 'spent:<id>' (spent on a project).
CREATE TABLE fund_ledger (
    id            INTEGER PRIMARY KEY,
    fund_id       INTEGER NOT NULL REFERENCES funds(id),
    kind          TEXT    NOT NULL CHECK (kind IN ('fund_in', 'allocate', 'reallocate', 'spend', 'performance')),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 1000000000000),
    from_account  TEXT    NOT NULL,
    to_account    TEXT    NOT NULL CHECK (to_account <> from_account),
    project_id    INTEGER REFERENCES projects(id),
    community_id  INTEGER REFERENCES communities(id),
    actor_id      INTEGER NOT NULL,
    at            TEXT    NOT NULL,
    reason        TEXT    NOT NULL
);
CREATE INDEX fund_ledger_fund ON fund_ledger(fund_id, id);
CREATE INDEX fund_ledger_project ON fund_ledger(project_id);
CREATE TRIGGER fund_ledger_no_update BEFORE UPDATE ON fund_ledger
BEGIN SELECT RAISE(ABORT, 'fund_ledger is append-only'); END;
CREATE TRIGGER fund_ledger_no_delete BEFORE DELETE ON fund_ledger
BEGIN SELECT RAISE(ABORT, 'fund_ledger is append-only'); END;

-- A call for organisations (招标/征集) for a new project; the award names the winning application and why.
CREATE TABLE calls (
    id             INTEGER PRIMARY KEY,
    fund_id        INTEGER NOT NULL REFERENCES funds(id),
    title          TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('purchase', 'venture')),
    ceiling_fen    INTEGER NOT NULL CHECK (ceiling_fen > 0),
    deadline_at    TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'awarded')),
    created_by     INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    application_id INTEGER,                -- the winner, set once at the award
    award_reason   TEXT,
    awarded_by     INTEGER,
    awarded_at     TEXT,
    project_id     INTEGER REFERENCES projects(id)
);
CREATE TABLE call_communities (
    call_id      INTEGER NOT NULL REFERENCES calls(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    PRIMARY KEY (call_id, community_id)
);
-- One application per organisation per call (applying again replaces it while the call is open).
CREATE TABLE call_applications (
    id              INTEGER PRIMARY KEY,
    call_id         INTEGER NOT NULL REFERENCES calls(id),
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    applicant_id    INTEGER NOT NULL,
    proposal        TEXT    NOT NULL,
    budget_fen      INTEGER NOT NULL CHECK (budget_fen > 0),
    communities     TEXT    NOT NULL,      -- JSON list of community ids, within the call's
    via             TEXT    NOT NULL CHECK (via IN ('chat', 'file')),
    submitted_at    TEXT    NOT NULL,
    UNIQUE (call_id, organization_id)
);

-- The organisation a request and an offer were taken on for, kept as it was then: a project is credited with what
-- its organisation's people delivered while they were its people, so a worker moving to another organisation
-- mid-year takes no results along (storage/sqlite/projects.py, core/capacity.py read these, never the worker's
-- current organisation). Set by the database itself at the moment the request is taken (provider_id set: an
-- accept; cleared again if it is given back) and the offer made, whatever code path does it.
ALTER TABLE requests ADD COLUMN provider_organization_id INTEGER REFERENCES organizations(id);
ALTER TABLE offers ADD COLUMN organization_id INTEGER REFERENCES organizations(id);
-- Requests and offers from before this migration: the organisation as it is now, the best there is.
UPDATE requests SET provider_organization_id =
    (SELECT p.organization_id FROM providers p WHERE p.telegram_id = requests.provider_id)
    WHERE provider_id IS NOT NULL;
UPDATE offers SET organization_id = (SELECT p.organization_id FROM providers p WHERE p.telegram_id = offers.provider_id);
CREATE INDEX requests_provider_organization ON requests(provider_organization_id) WHERE provider_organization_id IS NOT NULL;
CREATE INDEX offers_organization ON offers(organization_id, offered_at) WHERE organization_id IS NOT NULL;
CREATE TRIGGER requests_taken_for_organization AFTER UPDATE OF provider_id ON requests
WHEN NEW.provider_id IS NOT OLD.provider_id
BEGIN
    UPDATE requests SET provider_organization_id =
        (SELECT p.organization_id FROM providers p WHERE p.telegram_id = NEW.provider_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER requests_filed_for_organization AFTER INSERT ON requests WHEN NEW.provider_id IS NOT NULL
BEGIN
    UPDATE requests SET provider_organization_id =
        (SELECT p.organization_id FROM providers p WHERE p.telegram_id = NEW.provider_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER offers_made_for_organization AFTER INSERT ON offers
BEGIN
    UPDATE offers SET organization_id = (SELECT p.organization_id FROM providers p WHERE p.telegram_id = NEW.provider_id)
    WHERE id = NEW.id;
END;
