# syntax=docker/dockerfile:1

# One image for every gongji subcommand: migrate, worker, api, seed, token.
# Migrations are embedded in the binary, so the final image holds nothing else.

FROM golang:1.26 AS build
WORKDIR /src

# Download modules first so source edits do not invalidate this layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -o /out/gongji ./cmd/gongji

# Static binary, no shell, no package manager; runs as uid 65532 (nonroot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gongji /gongji
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/gongji"]
