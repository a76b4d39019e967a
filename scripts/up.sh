#!/usr/bin/env bash
# npm run up: install what is missing, then run Vigil on its embedded defaults (see README).
source "$(dirname "$0")/lib.sh"
ensure_node_modules
generate_prisma_client
build
exec node dist/src/stack/main.js
