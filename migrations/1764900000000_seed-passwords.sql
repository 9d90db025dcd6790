-- The seed's record of the password hash it wrote for each test user, with a fingerprint of the
-- password it came from (HMAC-SHA256 keyed by the credentials Secret's test-users-key, which the
-- database never sees): a run whose passwords did not change skips the bcrypt compares. In a
-- schema of the hooks' own, apart from the platform's tables.

-- Up Migration

CREATE SCHEMA learnflow_hooks;
CREATE TABLE learnflow_hooks.seed_passwords (
  seed_id uuid PRIMARY KEY,
  password_hash text NOT NULL,
  fingerprint text NOT NULL
);

-- Down Migration

DROP TABLE learnflow_hooks.seed_passwords;
DROP SCHEMA learnflow_hooks;
