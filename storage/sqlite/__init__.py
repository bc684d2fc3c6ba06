"""SQLite repositories (all SQL lives here)."""
