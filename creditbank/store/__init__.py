"""The bank's records: SQLAlchemy models, the unit of work, and the append-only ledger."""
