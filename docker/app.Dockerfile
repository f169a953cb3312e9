# syntax=docker/dockerfile:1.7
# One Dockerfile for both apps: docker build -f docker/app.Dockerfile --build-arg APP=api|worker .
# Build stage: the Nx build (swc + esbuild) from the full lockfile; runtime stage: production dependencies only.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG APP
WORKDIR /workspace
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nx.json tsconfig.base.json swc.config.json jest.preset.js ./
COPY tools/build tools/build
COPY libs libs
COPY apps apps
RUN npx nx run ${APP}:build --outputStyle=static

FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /workspace/dist/apps/${APP} dist/apps/${APP}
# The built entry point, fixed at build time, so the exec-form CMD below needs no shell.
RUN ln -s /app/dist/apps/${APP}/main.js /app/main.js \
  && if [ "${APP}" = "api" ]; then ln -s /app/dist/apps/api/migrate.js /app/migrate.js; fi
USER node
ENV PORT=3000
# Liveness through the app's own endpoint; node is already in the image, curl is not.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1's child of nothing, so SIGTERM from the runtime reaches it directly.
CMD ["node", "--enable-source-maps", "/app/main.js"]
