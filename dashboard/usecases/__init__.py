"""Use cases: one per file, between the pages and the store; each takes a session and plain arguments."""
