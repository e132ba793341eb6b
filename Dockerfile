# One image for every pilothub component (docker-compose.yml runs each as its own service). Compiled JavaScript,
# no TypeScript loader at run time; dev dependencies are dropped after the build.
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# patches/ holds fixes to dependencies that npm's postinstall (scripts/patch-dependencies.mjs) applies.
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts/patch-dependencies.mjs ./scripts/
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# Chromium prints report PDFs; fonts-noto-cjk gives it the glyphs of Chinese names and methods.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
ENV PILOTHUB_HOST=0.0.0.0 PILOTHUB_DATA_DIR=/data PILOTHUB_CHROMIUM=/usr/bin/chromium
VOLUME /data
EXPOSE 8080 1883 9101 9102
ENTRYPOINT ["node", "/app/bin/pilothub.js"]
CMD ["start"]
