# syntax=docker/dockerfile:1
#
#   docker build -t fnflow .                       fnflow (the default target)
#   docker build -t fnflow-echo --target echo .    the sample echo function
#
# docs/deploy.md explains the images and docker-compose.yml runs them.

FROM golang:1.26.8 AS source
# The module pins the Go version: never let the go command fetch another one.
ENV GOTOOLCHAIN=local CGO_ENABLED=0
WORKDIR /src
COPY . .

# The cache mounts keep downloaded modules and compiled packages between
# builds: the Temporal server and UI modules take minutes to build from scratch.
FROM source AS build
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/fnflow ./cmd/fnflow

FROM source AS build-echo
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/echo ./samples/functions/echo

# Alpine rather than distroless: the compose healthchecks need wget, and the
# CA certificates (Temporal Cloud) and time zones come with it.
FROM alpine:3.24 AS runtime
RUN apk add --no-cache ca-certificates tzdata \
    && addgroup -S -g 10001 fnflow \
    && adduser -S -D -H -u 10001 -G fnflow -h /var/lib/fnflow fnflow \
    && install -d -o fnflow -g fnflow /var/lib/fnflow
# A writable working directory: `fnflow dev` keeps ./.fnflow here.
WORKDIR /var/lib/fnflow
USER fnflow:fnflow

FROM runtime AS echo
COPY --from=build-echo /out/echo /usr/local/bin/echo-function
EXPOSE 9000
ENTRYPOINT ["echo-function", "--addr", "0.0.0.0:9000"]

# Last, so that a plain `docker build` produces it.
FROM runtime AS fnflow
COPY --from=build /out/fnflow /usr/local/bin/fnflow
EXPOSE 8080
ENTRYPOINT ["fnflow"]
