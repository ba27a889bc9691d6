// The SQLite event store (in progress).
