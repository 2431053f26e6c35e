# syntax=docker/dockerfile:1
# Multi-stage: compile TypeScript and the better-sqlite3 native module in the build stage; the
# runtime stage carries only production dependencies and dist/.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=38100 \
    HOST=0.0.0.0 \
    DB_PATH=/data/livetrack.db
WORKDIR /app
# Production node_modules from the build stage: the native addon was compiled there against the
# same Debian/Node base, so the runtime image needs no compiler.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 38100
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||38100)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Node runs as PID 1 and handles SIGTERM/SIGINT itself (src/main.ts): polls stop, the DB closes, exit 0.
CMD ["node", "dist/main.js"]
