# syntax=docker/dockerfile:1
# orderflow: one image, one binary (/orderflow); the subcommand (api, worker, projector,
# migrate, token) is the container's command. docker-compose.yml builds it once for
# every orderflow service. Checked by deploy/dockerfile_test.go (no Docker engine needed).

# Build on the builder's own platform and cross-compile (pure Go, CGO off), so a
# multi-platform build (docker buildx --platform linux/amd64,linux/arm64) needs no
# emulation. The Go version must be at least go.mod's `go` line.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0

# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG TARGETOS TARGETARCH
# orderflow itself, and the tiny HTTP probe the api service's healthcheck runs (the
# final image has no shell, curl or wget).
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/orderflow ./cmd/orderflow && \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/healthcheck ./deploy/healthcheck

# Static distroless: CA certificates, tzdata and /etc/passwd, nothing else; runs as the
# unprivileged user nonroot (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/orderflow /orderflow
COPY --from=build /out/healthcheck /healthcheck
USER nonroot:nonroot
# API_ADDR must be 0.0.0.0:8080 in a container (its default, 127.0.0.1, is unreachable
# from outside it); docker-compose.yml sets it.
EXPOSE 8080
ENTRYPOINT ["/orderflow"]
