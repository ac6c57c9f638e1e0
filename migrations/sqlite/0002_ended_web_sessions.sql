-- Web sessions ended by logout: a kept cookie of an ended session is refused by every node, also after a
-- restart, until the cookie would have expired anyway (then retention deletes the row).
CREATE TABLE ended_web_sessions (
    session_id TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX ended_web_sessions_expiry ON ended_web_sessions (expires_at);
