"""Tables, queries and migrations. The same code runs on SQLite (embedded) and PostgreSQL."""
