# syntax=docker/dockerfile:1.7
# One Dockerfile for both apps: docker build -f docker/app.Dockerfile --build-arg APP=api|worker .
# Build stage: the Nx build (swc + esbuild) from the full lockfile. Deps stage: production dependencies only.
# Runtime: node, the libraries it links and the app, on an empty image (no shell, no package manager).
# NODE_IMAGE is any image with node and npm in /usr/local/bin, a shell and ldd (tools/images makes one without a
# registry: docs in README "Images").
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /workspace
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nx.json tsconfig.base.json swc.config.json jest.preset.js ./
COPY tools/build tools/build
COPY libs libs
COPY apps apps
# Declared after npm ci so that both apps' builds share its layer.
ARG APP
RUN npx nx run ${APP}:build --outputStyle=static

# Production dependencies without what running them never reads: type declarations, source maps, docs.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
  && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -iname '*.md' \) -delete
ARG APP
# The built entry point, fixed at build time, so the exec-form CMD below needs no shell.
RUN ln -s /app/dist/apps/${APP}/main.js /app/main.js \
  && if [ "${APP}" = "api" ]; then ln -s /app/dist/apps/api/migrate.js /app/migrate.js; fi

# The runtime's root filesystem: node and the shared libraries it links, the node user (uid 1000), /tmp.
FROM ${NODE_IMAGE} AS rootfs
RUN set -eu; mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/home/node /rootfs/tmp; \
  cp /usr/local/bin/node /rootfs/usr/local/bin/node; \
  for lib in $(ldd /usr/local/bin/node | grep -o '/[^ ]*'); do mkdir -p "/rootfs$(dirname "$lib")"; cp -L "$lib" "/rootfs$lib"; done; \
  echo 'root:x:0:0::/root:/usr/sbin/nologin' > /rootfs/etc/passwd; \
  echo 'node:x:1000:1000::/home/node:/usr/sbin/nologin' >> /rootfs/etc/passwd; \
  printf 'root:x:0:\nnode:x:1000:\n' > /rootfs/etc/group; \
  chown 1000:1000 /rootfs/home/node; chmod 1777 /rootfs/tmp

FROM scratch AS runtime
ARG APP
COPY --from=rootfs /rootfs /
COPY --from=deps /app /app
COPY --from=build /workspace/dist/apps/${APP} /app/dist/apps/${APP}
WORKDIR /app
ENV NODE_ENV=production PORT=3000 PATH=/usr/local/bin
USER node
# Liveness through the app's own endpoint; node is in the image, curl is not.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1's child of nothing, so SIGTERM from the runtime reaches it directly.
CMD ["node", "--enable-source-maps", "/app/main.js"]
