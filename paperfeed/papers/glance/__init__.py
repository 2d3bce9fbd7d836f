"""Papers at a glance: key phrases and a one-line summary of each paper (docs/architecture.md)."""
