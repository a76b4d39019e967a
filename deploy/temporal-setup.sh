#!/bin/sh
# Sets up Temporal on PostgreSQL, idempotently: `schema` (before the server starts) creates and migrates its two
# databases; `namespace` (once the server answers) creates the namespace and Vigil's search attributes.
# Used by docker-compose.yml (in temporalio/admin-tools) and by the production-like stack without Docker.
set -eu
: "${POSTGRES_SEEDS:?}" "${DB_PORT:=5432}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
SQL_TOOL="${SQL_TOOL:-temporal-sql-tool}"
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
TEMPORAL_CLI="${TEMPORAL_CLI:-temporal}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

sql() { "$SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }

case "${1:-}" in
  schema)
    for db in temporal temporal_visibility; do
      sql --db "$db" create-database 2>/dev/null || true   # already there on a re-run
    done
    # setup-schema -v 0.0 only creates the version table; update-schema applies whatever is missing.
    sql --db temporal setup-schema -v 0.0 2>/dev/null || true
    sql --db temporal update-schema -d "$SCHEMA_DIR/temporal/versioned"
    sql --db temporal_visibility setup-schema -v 0.0 2>/dev/null || true
    sql --db temporal_visibility update-schema -d "$SCHEMA_DIR/visibility/versioned"
    ;;
  namespace)
    : "${TEMPORAL_ADDRESS:?}"
    until "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do sleep 1; done
    "$TEMPORAL_CLI" operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1 ||
      "$TEMPORAL_CLI" operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention 72h
    for attribute in VigilTargetId VigilIncidentId VigilState; do
      # Until it is listed: a frontend learns of a namespace just created a few seconds later, and refuses until then.
      tries=0
      until "$TEMPORAL_CLI" operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" 2>/dev/null |
        grep -qw "$attribute"; do
        tries=$((tries + 1))
        if [ "$tries" -gt 60 ]; then echo "could not create search attribute $attribute" >&2; exit 1; fi
        "$TEMPORAL_CLI" operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
          --name "$attribute" --type Keyword >/dev/null 2>&1 || sleep 1
      done
    done
    ;;
  *)
    echo "usage: $0 schema|namespace" >&2
    exit 2
    ;;
esac
