#!/usr/bin/env bash
# Migrations the usual hand-written way, the baseline of the bench: one sqlite3
# process per statement, the migration name pasted into the SQL text, and the
# apply and the record in separate processes (so not one transaction).
#
#   migrate_usual.sh BASE DATABASE_FILE MIGRATIONS_FOLDER DOMAIN...
set -euo pipefail
base=$1 database_file=$2 migrations=$3
shift 3
for domain in "$@"; do
  db="$base/domains/$domain/$database_file"
  mkdir -p "$(dirname "$db")"
  sqlite3 "$db" "CREATE TABLE IF NOT EXISTS mcc_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
  for file in "$migrations"/*.sql; do
    name=$(basename "$file" .sql)
    applied=$(sqlite3 "$db" "SELECT count(*) FROM mcc_migrations WHERE name = '$name'")
    [ "$applied" = 0 ] || continue
    while IFS= read -r statement; do
      sqlite3 "$db" "$statement"
    done < <(grep -v -e '^--' -e '^$' "$file")
    sqlite3 "$db" "INSERT INTO mcc_migrations VALUES ('$name', datetime('now'))"
  done
done
