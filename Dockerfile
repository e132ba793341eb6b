# The hub image used by docker-compose.yml. Simulators and the example gateway run inside it;
# point PILOTHUB_GATEWAY_CONFIG at your own file to talk to real equipment.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# patches/ holds fixes to dependencies that npm's postinstall (patch-package) applies.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci
COPY . .
# The dashboard is bundled with esbuild (a dev dependency), then dev dependencies are dropped.
RUN node --import tsx web/build.ts && npm prune --omit=dev
ENV PILOTHUB_HOST=0.0.0.0 PILOTHUB_DATA_DIR=/data
VOLUME /data
EXPOSE 8080 1883
CMD ["node", "--import", "tsx", "cli/main.ts", "start"]
