# syntax=docker/dockerfile:1
# Multi-stage: the build stage compiles TypeScript and the better-sqlite3 native addon; the runtime
# stage installs production dependencies only and carries no compiler.
#
#   docker build -t livetrack-mcp .
#   docker run --read-only --tmpfs /tmp -v livetrack-data:/data -p 38100:38100 livetrack-mcp

FROM node:20-bookworm-slim AS build
WORKDIR /app
# @scarf/scarf (a transitive dependency) phones home from its install script otherwise.
ENV SCARF_ANALYTICS=false
# better-sqlite3 builds from source when no prebuilt binary matches (or cannot be downloaded).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# The heap cap keeps RSS near the live heap: 1,000 sessions peak at ~190 MB with it, ~300 MB
# without (bench/fanout.js). Raise it for far more sessions.
ENV NODE_ENV=production \
    PORT=38100 \
    HOST=0.0.0.0 \
    DB_PATH=/data/livetrack.db \
    NODE_OPTIONS=--max-old-space-size=192
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies from the lock file, with install scripts off: the only one that matters
# is better-sqlite3's native build, and its addon is copied from the build stage below instead
# (same Debian and Node base, so the same ABI). The runtime image thus needs no python/make/g++
# and never downloads a prebuilt binary at build time. (Also skips @scarf/scarf's install ping.)
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node ./node_modules/better-sqlite3/build/Release/better_sqlite3.node
COPY --from=build /app/dist ./dist
# Fails the build, not the first boot, if the addon does not load.
RUN node -e "new (require('better-sqlite3'))(':memory:').close()"
# The only writable path: the SQLite file and its -wal/-shm siblings. Everything else may be
# mounted read-only (docker run --read-only --tmpfs /tmp; readOnlyRootFilesystem in Kubernetes).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 38100
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||38100)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# No tini: Node runs as PID 1 and handles SIGTERM/SIGINT itself (src/main.ts: stop accepting,
# stop polls, close the DB, exit 0 within 10 s), and it starts no child processes to reap.
# `docker run --init` adds tini if wanted.
CMD ["node", "dist/main.js"]
