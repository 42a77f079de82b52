# FileOptimizer: build with the .NET SDK, run on the ASP.NET Core runtime image as a non-root user.
#   docker build -t fileoptimizer .
#   docker run -d --name fileoptimizer -p 8000:8000 -v fileoptimizer-uploads:/app/uploads --stop-timeout 40 fileoptimizer
# tests/FileOptimizer.Tests/Operations/ContainerTests.cs runs this file's restore and publish commands and starts the
# result with this file's environment, so keep each command on one RUN line and ENV as KEY=value pairs.

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
# Restore first, from the project files alone, so the packages stay in a cached layer while the code changes.
COPY global.json Directory.Build.props Directory.Packages.props FileOptimizer.csproj ./
RUN dotnet restore FileOptimizer.csproj -a $TARGETARCH
COPY . .
RUN dotnet publish FileOptimizer.csproj -c Release -a $TARGETARCH --no-restore -p:UseAppHost=false -o /app/publish

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The base image sets ASPNETCORE_HTTP_PORTS=8080; emptied, so the service listens on PORT as the API plan says.
# MALLOC_ARENA_MAX=1: one glibc arena, so memory freed after jobs goes back (without it the app restarts itself to set it).
# LOG_FORMAT=json: the console is for a log collector, also under "docker run -t" (a terminal would get plain text).
ENV ASPNETCORE_HTTP_PORTS= \
    PORT=8000 \
    TEMP_DIR=/app/uploads \
    LOG_DIR=/app/logs \
    LOG_FORMAT=json \
    MALLOC_ARENA_MAX=1
# HEIC (iPhone photos): libheif's heif-convert with the libde265 HEVC decoder, run as a child process; the libvips
# bundled with NetVips reads HEIF headers and AV1 but has no HEVC decoder. Video and audio: Debian's ffmpeg and ffprobe
# (x264, x265, SVT-AV1, VP9, Opus, LAME), run as child processes; without them images still work.
RUN apt-get update && apt-get install -y --no-install-recommends libheif-examples libheif-plugin-libde265 ffmpeg && rm -rf /var/lib/apt/lists/*
# "app" (uid $APP_UID) is the base image's non-root user; it owns the two folders it writes.
RUN mkdir -p /app/uploads /app/logs && chown $APP_UID:$APP_UID /app/uploads /app/logs
COPY --from=build /app/publish .
# svgo for SVG (tools/svgo, run by the service through node under node's permission model): Debian's node, svgo's
# packages from the lock file, npm removed again. Without them the service still runs and returns SVG sanitised, unminified.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && npm ci --prefix tools/svgo --omit=dev --no-audit --no-fund && apt-get purge -y --auto-remove npm && rm -rf /var/lib/apt/lists/* /root/.npm
USER $APP_UID
EXPOSE 8000
VOLUME ["/app/uploads"]
# The app asks itself (GET /api/health/liveness on 127.0.0.1:$PORT): the runtime image has no curl or wget.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["dotnet", "FileOptimizer.dll", "--health-check"]
# SIGTERM (docker stop, Kubernetes) stops it gracefully: give it more than the host's 30 s shutdown timeout (--stop-timeout 40).
ENTRYPOINT ["dotnet", "FileOptimizer.dll"]
