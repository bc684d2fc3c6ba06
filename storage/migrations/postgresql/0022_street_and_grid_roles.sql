-- PostgreSQL's 0022 (see ../0022_street_and_grid_roles.sql for the why): the CHECK is replaced in place.
ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check CHECK (role IN
    ('resident', 'social_worker', 'volunteer', 'org_member', 'staff', 'admin', 'street', 'grid_worker'));

CREATE TABLE street_communities (
    telegram_id     BIGINT NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    community_id    BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    granted_at      TEXT   NOT NULL,
    PRIMARY KEY (telegram_id, community_id)
);
CREATE INDEX street_communities_community ON street_communities(community_id);
