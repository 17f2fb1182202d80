# syntax=docker/dockerfile:1.7
# The trader image: code only. Models ship separately in ghcr.io/trade-matrix/models
# (docker/models.Dockerfile), so a weekly retrain never rebuilds or re-pulls this image.
#
#   docker build -t ghcr.io/trade-matrix/trader:$(git rev-parse --short HEAD) .
#   docker run --rm -p 3000:3000 -e DATABASE_URL=postgres://… ghcr.io/trade-matrix/trader:<tag>
#
# Stages: deps (all packages) → build (tsc → dist/) → prod-deps (the same tree pruned to
# production, one platform) → runtime (slim Node, non-root). prod-deps prunes the deps tree
# instead of running a second `npm ci --omit=dev`: no second download or native build, and it is
# exactly what test/integration/production-install.spec.ts runs and measures.

ARG NODE_BUILD_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency, dev included (the build needs typescript and tsc-alias)
FROM ${NODE_BUILD_IMAGE} AS deps
WORKDIR /app
# onnxruntime-node's postinstall would download CUDA binaries; the CPU builds ship in the package.
# (.npmrc says the same; the variable keeps working when npm stops passing unknown .npmrc keys.)
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json .npmrc ./
# The full bookworm image has python3/make/g++ for native addons without a prebuilt binary
# (better-sqlite3); it runs on the platform being built, so addons match the runtime's.
RUN --mount=type=cache,target=/root/.npm npm ci

# ---- build: dist/
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY libs ./libs
COPY apps ./apps
COPY bench ./bench
RUN npm run -s build

# ---- prod-deps: production packages only, for this image's platform
FROM deps AS prod-deps
ARG TARGETARCH
COPY scripts/prune-runtime.mjs ./scripts/prune-runtime.mjs
# --omit=optional also drops typescript, which npm keeps as @nestjs/swagger's optional peer (it is
# only used by swagger's compile-time plugin) and ccxt's optional websocket codecs (unused by the
# Bybit REST client). --offline: pruning only deletes, it must not fetch anything.
RUN npm prune --omit=dev --omit=optional --offline \
 && case "${TARGETARCH:-amd64}" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; esac \
 && node scripts/prune-runtime.mjs node_modules --platform linux --arch "$arch"

# ---- runtime
FROM ${NODE_RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production \
    TRADER_HOST=0.0.0.0 \
    TRADER_PORT=3000 \
    TM_ARTIFACT_DIR=/app/models
# uid/gid 10001: the pod's securityContext runs as 10001 with runAsNonRoot (k8s/base/deployment.yaml).
RUN groupadd --system --gid 10001 trader \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin trader
WORKDIR /app
# Code and packages belong to root and are only readable by the trader: a compromised process
# cannot rewrite them. Only var/ (default SQLite path) and models/ (the init container's copy
# lands on a volume here in Kubernetes) are the trader's.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# load-config.ts reads config/instruments.json relative to dist/; venues read config/markets/.
COPY config ./config
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
RUN mkdir -p var models && chown 10001:10001 var models
USER 10001:10001
EXPOSE 3000
# Liveness only: readiness (/health/ready) depends on data and stores and is the orchestrator's call.
HEALTHCHECK --interval=30s --timeout=5s --start-period=150s --retries=3 CMD ["node", "docker/healthcheck.mjs"]
# Node runs as PID 1 without tini on purpose. Kubernetes' `command` (k8s/base/deployment.yaml)
# replaces the ENTRYPOINT, so a tini entrypoint would silently disappear in the cluster anyway.
# The kernel does not apply default signal actions to PID 1, but main.ts installs SIGTERM and
# SIGINT handlers (drain runs, close the app, exit 0 within TRADER_SHUTDOWN_GRACE_MS), so the
# signal is handled; the trader spawns no child processes, so there are no zombies to reap.
# (If that changes, run with `docker run --init` / add tini and keep the exec form below.)
STOPSIGNAL SIGTERM
CMD ["node", "dist/apps/trader/src/main.js"]
