#!/bin/sh
# One-shot job (compose service temporal-schema, image temporalio/admin-tools): creates
# Temporal's two databases on temporal-postgres and brings their schemas up to date.
# Safe to run on every `docker compose up` and after a Temporal upgrade: setup-schema
# leaves a database at a newer version alone and update-schema applies only what is
# missing. Reads SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD.
set -eu

schema=/etc/temporal/schema/postgresql/v12

sql() {
	temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" "$@"
}

# `create` of a database that exists fails on some versions of the tool; a real
# problem (wrong password, server down) still fails setup-schema just below.
sql --db temporal create || echo "database temporal: not created (it exists?)"
sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d "$schema/temporal/versioned"

sql --db temporal_visibility create || echo "database temporal_visibility: not created (it exists?)"
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d "$schema/visibility/versioned"

echo "Temporal schema is up to date"
