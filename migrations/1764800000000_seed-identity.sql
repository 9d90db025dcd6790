-- The identity of each seeded row (seeds/ gives every topic and test user a fixed UUID), so that
-- renaming a topic or a test user's email in seeds/ updates its row in place, keeping every
-- reference to it. Rows services add have none. Rows seeded before this get theirs on the next
-- seed run, found by their natural key.

-- Up Migration

ALTER TABLE topics ADD COLUMN seed_id uuid UNIQUE;
ALTER TABLE users ADD COLUMN seed_id uuid UNIQUE;

-- Down Migration

ALTER TABLE users DROP COLUMN seed_id;
ALTER TABLE topics DROP COLUMN seed_id;
