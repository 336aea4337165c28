-- Generator for sessions_v1.db: a session database as Tessera's first schema (v1) wrote it.
-- test_app_store opens a copy and checks that it migrates to the current schema with its data.
--
-- Recreate (from the repository root):
--   rm -f tests/app/data/sessions_v1.db
--   sqlite3 tests/app/data/sessions_v1.db < tests/app/data/sessions_v1.sql
--
-- The CREATE statements must match migrateToV1 in app/services/session_store.cpp (up to
-- whitespace); SessionStoreMigration.CheckedInV1FileHasTheV1Schema checks that.
PRAGMA journal_mode = DELETE;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    model_path TEXT NOT NULL DEFAULT ''
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_session ON messages(session_id, id);

-- Times: ms since the Unix epoch (1700000000000 = 2023-11-14 22:13:20 UTC).
INSERT INTO sessions (id, title, created_at, model_path) VALUES
    (1, 'Trip to Lisbon', 1700000000000, '/models/qwen2.5-1.5b-instruct-q4_k_m.gguf'),
    (2, 'Rust lifetimes', 1700000600000, ''),
    (3, 'Empty session', 1700001200000, '');

INSERT INTO messages (id, session_id, role, content, created_at) VALUES
    (1, 1, 'user', 'Plan three days in Lisbon.', 1700000001000),
    (2, 1, 'assistant', 'Day 1: Alfama and the castle. Day 2: Belém. Day 3: LX Factory.', 1700000002000),
    (3, 1, 'user', 'Add a day trip to Sintra.', 1700000003000),
    (4, 1, 'assistant', 'Day 4: Sintra — Pena Palace and Quinta da Regaleira.', 1700000004000),
    (5, 2, 'system', 'You are a patient Rust tutor.', 1700000600500),
    -- v1 did not normalise roles everywhere: 'User' must become 'user'.
    (6, 2, 'User', 'Why does the borrow checker reject this?', 1700000601000),
    (7, 2, 'assistant', 'Because the reference outlives the value it borrows.', 1700000602000);

PRAGMA user_version = 1;
