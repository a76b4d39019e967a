#!/usr/bin/env bash
# npm run bench / bench:api: bring a fresh clone to a runnable state as `up` and `test` do, then run the given bench
# entry point (bench/run.ts, bench/api-load.ts) with the remaining arguments. Both stacks are prepared: the dev stack
# needs the CLI, the production-like one the server and its UI.
source "$(dirname "$0")/lib.sh"
entry="$1"
shift
ensure_node_modules
generate_prisma_client
prepare_tools cli server ui
exec npx tsx "$entry" "$@"
