-- Runs once, when the compose stack's PostgreSQL volume is created.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
