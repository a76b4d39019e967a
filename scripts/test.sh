#!/usr/bin/env bash
# npm test: install what is missing; check types, the architecture rules, format and lint; then run every suite
# against real Temporal and PostgreSQL servers that the suites start themselves (see test/support/global-setup.ts).
# Extra arguments go to jest.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
generate_prisma_client
prepare_tools cli test-server server ui
ensure_browser
say "type-checking"
npx tsc --noEmit -p tsconfig.json
say "checking the architecture rules (docs/architecture.md)"
npx depcruise src --config .dependency-cruiser.cjs
say "checking format and lint (biome.json; npm run format fixes the format)"
npx biome check --error-on-warnings
exec npx jest "$@"
