"""Storage: the encrypted engine, the data model, migrations and the audit chain."""
