#!/usr/bin/env bash
# npm run up: install what is missing, then run Vigil on its embedded defaults, or with `-- --production-like` on
# the topology of docker-compose.yml without Docker (see README).
source "$(dirname "$0")/lib.sh"
ensure_node_modules
generate_prisma_client
case " $* " in
  *" --production-like "*) prepare_tools cli server ui ;;
  *) [ -n "${TEMPORAL_ADDRESS:-}" ] || prepare_tools cli ;;
esac
build
exec node dist/src/stack/main.js "$@"
