# One image for every service (the command picks which), built from the same pnpm workspace.
FROM node:24.9.0-bookworm-slim AS build
RUN npm install -g pnpm@10.34.8
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile && pnpm run build && pnpm prune --prod

FROM node:24.9.0-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV NODE_OPTIONS=--disable-warning=TimeoutNegativeWarning
USER node
