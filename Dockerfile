# tflow: the REST API and a worker in one process (`tflow server`), as docker-compose.yml runs it.
# Build: docker build -t tflow .   Run: see docker-compose.yml for the environment it reads.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (cached while only sources change); `prepare` (the build) runs once sources are in.
RUN npm ci --ignore-scripts
COPY . .
# Rebuild the packages' own install steps, then compile and bundle the workflow code.
RUN npm rebuild && npm run build && npm prune --omit=dev

FROM node:20.19-bookworm-slim
# What the course's Shell and Python tasks call (Process task runner: the worker's own PATH), and
# tini: as PID 1 it reaps the orphans scripts leave behind and forwards signals to tflow.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates wget gzip python3 python3-venv tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/tflow && chown node:node /var/lib/tflow
USER node
ENV NODE_ENV=production \
    TFLOW_STATE_DIR=/var/lib/tflow \
    TFLOW_STORAGE=/var/lib/tflow/storage \
    TFLOW_API_PORT=8080
# `tflow server` listens on loopback unless told otherwise: in a container, set TFLOW_API_HOST=0.0.0.0
# together with TFLOW_BASIC_AUTH (it refuses to start without), as docker-compose.yml does.
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TFLOW_API_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/tflow.js"]
CMD ["server"]
