-- Two roles beyond one community's staff (issue 15):
--   street       街道/区 staff: a street office over a set of communities (street_communities);
--   grid_worker  网格员: files requests for residents of their community who will not type.
-- SQLite cannot change a CHECK in place, so user_roles is rebuilt with the wider list (same rows, same index).
CREATE TABLE user_roles_new (
    telegram_id     INTEGER NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN
                        ('resident', 'social_worker', 'volunteer', 'org_member', 'staff', 'admin',
                         'street', 'grid_worker')),
    community_id    INTEGER REFERENCES communities(id) ON DELETE CASCADE,
    granted_at      TEXT    NOT NULL,
    PRIMARY KEY (telegram_id, role)
);
INSERT INTO user_roles_new (telegram_id, role, community_id, granted_at)
    SELECT telegram_id, role, community_id, granted_at FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
CREATE INDEX IF NOT EXISTS user_roles_role_community ON user_roles(role, community_id);

-- The communities a street office steers (its user_roles row has no community of its own).
CREATE TABLE street_communities (
    telegram_id     INTEGER NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    community_id    INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    granted_at      TEXT    NOT NULL,
    PRIMARY KEY (telegram_id, community_id)
);
CREATE INDEX street_communities_community ON street_communities(community_id);
