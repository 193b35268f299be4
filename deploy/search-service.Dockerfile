# search-service image.
#
#   docker build -f deploy/search-service.Dockerfile -t scr/search-service .
#
# Build context: the repository root (see .dockerignore). Both stages use
# debian:bookworm-slim; docs/DEPLOY.md shows how to make that base image
# locally with debootstrap when no registry can be reached.
#
# The build stage is kept identical to the one in ingest-service.Dockerfile,
# so whichever image is built second reuses it from the layer cache.

############################################################################
# Build stage: compile the three binaries (tests are configured, not built).
FROM debian:bookworm-slim AS build

# Same list as scripts/install-deps.sh, minus xapian-tools (not needed to build).
# GoogleTest/GoogleMock are needed because CMake configures tests/ unconditionally.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake make pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev \
      libxapian-dev \
      libgtest-dev libgmock-dev \
      libxml2-dev libicu-dev liburiparser-dev libssl-dev libsqlite3-dev \
      libcpp-httplib-dev libgoogle-perftools-dev \
 && rm -rf /var/lib/apt/lists/*

COPY . /src

# Parallel jobs for the compile; default: every core the builder sees.
#   docker build --build-arg SCR_BUILD_JOBS=1 ...
ARG SCR_BUILD_JOBS=""
# Release, but at -O2 (as Debian builds its packages, and as the benchmarks'
# RelWithDebInfo measures) rather than CMake's -O3.
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
 && cmake --build /build --parallel "${SCR_BUILD_JOBS:-$(nproc)}" \
      --target search-service ingest-service scrctl \
 && cmake --install /build --prefix /opt/scr --strip \
 && ls -l /opt/scr/bin

############################################################################
# Runtime stage: shared libraries, the service and scrctl, nothing else.
FROM debian:bookworm-slim

# Runtime libraries of search-service and scrctl, from `ldd` on the binaries
# mapped to packages with `dpkg -S`:
#   gRPC/protobuf/Abseil: libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623
#                         libre2-9 libc-ares2 libssl3 zlib1g
#   Xapian:               libxapian30 (+ zlib1g libuuid1)
#   ICU:                  libicu72
#   cpp-httplib:          libcpp-httplib0.11 (+ libbrotli1 libssl3 zlib1g),
#                         for the optional HTTP/JSON gateway (--http_listen)
#   tcmalloc:             libtcmalloc-minimal4 (malloc of the services)
# (libc6, libstdc++6, libgcc-s1 are in the base image already.)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libre2-9 libc-ares2 \
      libtcmalloc-minimal4 \
      libssl3 zlib1g libuuid1 \
      libxapian30 \
      libicu72 \
      libcpp-httplib0.11 \
 && rm -rf /var/lib/apt/lists/*

# Fixed uid/gid so that volume ownership is stable across images and hosts.
RUN groupadd --system --gid 10001 scr \
 && useradd --system --uid 10001 --gid scr --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin scr \
 && mkdir -p /data/search \
 && chown -R scr:scr /data

COPY --from=build /opt/scr/bin/search-service /opt/scr/bin/scrctl /opt/scr/bin/

# Fail the image build, not the container start, if a library is missing
# (for example after a new dependency was linked in and not added above).
RUN if ldd /opt/scr/bin/* | grep 'not found'; then \
      echo 'missing runtime libraries: add their packages above' >&2; exit 1; \
    fi

ENV PATH=/opt/scr/bin:$PATH \
    SCR_SEARCH=127.0.0.1:50052

# Named volumes start as a copy of this folder, so they are owned by scr.
# The index lives in /data/search/index.
VOLUME /data
EXPOSE 50052
USER scr:scr
WORKDIR /data

HEALTHCHECK --interval=10s --timeout=8s --start-period=30s --retries=3 \
  CMD ["scrctl", "--search=127.0.0.1:50052", "health", "search"]

# The service stops on SIGTERM: it stops serving (health NOT_SERVING), waits
# up to --shutdown_grace_ms (10 s) for in-flight RPCs, closes the index and
# exits 0. Give it more than that (docker stop -t 30, compose stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["search-service", "--listen=0.0.0.0:50052", "--data_dir=/data/search"]
CMD []
