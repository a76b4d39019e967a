# One image for both Vigil processes; docker-compose.yml picks the command (API or worker). It ships the runtime only:
# tsconfig.image.json leaves out src/stack, the development tooling behind `npm run up`, tests and benchmarks.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The Prisma client needs no native engine; generate only wants some executable named as one.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate \
 && npx tsc -p tsconfig.image.json \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
USER node
CMD ["node", "dist/src/api/main.js"]
