-- The reference range of SqliteRequests.count_references compares in byte order (COLLATE "C"), whatever collation
-- the database was created with (under en_US or zh_CN, "YG-2611-0001" need not sort between "YG-2611-" and
-- "YG-2611."); this index serves that comparison. SQLite's 0018 is empty: it compares bytes anyway.
CREATE INDEX IF NOT EXISTS requests_reference_bytes ON requests ((reference COLLATE "C"));
