-- Categories live in the database: the built-in ones are seeded here (core/catalog/categories.py keeps the same
-- list for the matching engine and the reports), and a catalogue import adds a community's own (便民服务), whose
-- code is its name. A service may be in several categories: services.category stays the main one (every query
-- that groups by category keeps working); service_categories holds all of them, in the file's order.
-- And what a printed directory tells residents: phone, address, opening hours and fee.

CREATE TABLE categories (
    code        TEXT    PRIMARY KEY,
    name_zh     TEXT    NOT NULL,
    name_en     TEXT    NOT NULL,
    builtin     INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    position    INTEGER NOT NULL,  -- built-in ones in registry order, then in order of creation
    created_at  TEXT    NOT NULL
);

INSERT INTO categories (code, name_zh, name_en, builtin, position, created_at) VALUES
    ('elderly', '为老', 'Elderly care', 1, 1, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('children', '扶幼', 'Children', 1, 2, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('disabled', '助残', 'Disability support', 1, 3, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('housekeeping', '家政维修', 'Housekeeping & repairs', 1, 4, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('health', '医疗健康', 'Health care', 1, 5, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('legal', '法律咨询', 'Legal advice', 1, 6, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('mental', '心理关爱', 'Mental health & care', 1, 7, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('employment', '就业帮扶', 'Employment support', 1, 8, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('culture', '文体活动', 'Culture & sports', 1, 9, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('affairs', '社区事务', 'Community affairs', 1, 10, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    ('emergency', '应急救助', 'Emergency relief', 1, 11, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));

-- A code stored before this migration that is not built in (there should be none) becomes a category too.
INSERT INTO categories (code, name_zh, name_en, builtin, position, created_at)
SELECT DISTINCT s.category, s.category, s.category, 0, 100, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM services s WHERE s.category NOT IN (SELECT code FROM categories);

CREATE TABLE service_categories (
    service_id  TEXT    NOT NULL REFERENCES services(service_id) ON DELETE CASCADE,
    category    TEXT    NOT NULL REFERENCES categories(code),
    position    INTEGER NOT NULL,  -- 0 is the main category (services.category)
    PRIMARY KEY (service_id, category)
);
CREATE INDEX service_categories_category ON service_categories(category);

INSERT INTO service_categories (service_id, category, position) SELECT service_id, category, 0 FROM services;

ALTER TABLE services ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN fee TEXT NOT NULL DEFAULT '';
