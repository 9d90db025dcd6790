# The hooks program image: the compiled program and its production dependencies, nothing else;
# it runs as a non-root user and needs no writable filesystem (the chart sets
# readOnlyRootFilesystem). Built and published by the release pipeline; for a local cluster:
#   docker build -t ghcr.io/learnflow/learnflow-hooks:0.2.0 .
# The Node.js release the test suite runs (NODE_VERSION in scripts/versions.env, held to it by
# test/unit/scripts/versions.test.ts): a release is rebuilt from the same base, not the line's newest.
ARG NODE_IMAGE=node:24.22.3-alpine

# The build stage runs on the builder's own platform: its output (JavaScript and pure-JavaScript
# dependencies) is the same for every target, and no emulation is needed for arm64.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY hooks ./hooks
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Defaults for running the program by hand; the chart mounts its own copies.
COPY migrations ./migrations
COPY seeds ./seeds
# A numeric user outside the base image's (nothing needs a home directory); the chart's
# securityContext runs as the same uid and gid.
USER 10001:10001
ENTRYPOINT ["node", "/app/dist/hooks/cli.js"]
