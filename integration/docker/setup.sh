#!/usr/bin/env bash
# Make a Docker engine and the base image sdkgen-base:bookworm available. Idempotent: every step is
# skipped when its result already exists, so a warm call takes about a second.
#
#   1. install Debian's docker.io (and debootstrap) when dockerd is missing;
#   2. start dockerd in the background when no engine answers (vfs storage, no iptables, no bridge:
#      this also works inside an unprivileged-looking CI container with no overlayfs);
#   3. build sdkgen-base:bookworm from a debootstrap rootfs when the image does not exist (only
#      Debian's package mirror has to be reachable, no image registry).
#
# Exits non-zero, with the reason and the dockerd log, when any step fails.
set -euo pipefail

BASE_IMAGE=${SDKGEN_BASE_IMAGE:-sdkgen-base:bookworm}
MIRROR=${SDKGEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=ca-certificates,python3,python3-venv,openjdk-17-jre-headless
DOCKERD_LOG=${SDKGEN_DOCKERD_LOG:-/tmp/dockerd.log}
WAIT_SECONDS=${SDKGEN_DOCKERD_WAIT:-60}
export DEBIAN_FRONTEND=noninteractive

t0=$SECONDS
say() { echo "docker-setup: $* (+$((SECONDS - t0))s)"; }
fail() { echo "docker-setup: FAIL: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  as_root apt-get update -q || fail "apt-get update failed"
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" || fail "apt-get install ${missing[*]} failed"
fi
command -v dockerd >/dev/null || fail "dockerd is still missing after installing docker.io"

# overlay2 when this kernel lets us mount an overlay (a container start then costs well under a
# second); else vfs, which copies the whole image for every container (~15 s each on this machine).
storage_driver() {
  local d
  d=$(mktemp -d)
  mkdir "$d"/l "$d"/u "$d"/w "$d"/m
  if as_root mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null; then
    as_root umount "$d/m"
    echo overlay2
  else
    echo vfs
  fi
  rm -rf "$d"
}

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

if engine_up; then
  say "engine already running"
else
  driver=${SDKGEN_DOCKER_STORAGE:-$(storage_driver)}
  say "starting dockerd, storage $driver (log: $DOCKERD_LOG)"
  # setsid: the daemon outlives this script and the test process that called it.
  as_root setsid dockerd --storage-driver="$driver" --iptables=false --bridge=none \
    --host unix:///var/run/docker.sock >"$DOCKERD_LOG" 2>&1 </dev/null &
  deadline=$((SECONDS + WAIT_SECONDS))
  until engine_up; do
    if ((SECONDS >= deadline)); then
      echo "----- $DOCKERD_LOG (last 60 lines) -----" >&2
      tail -n 60 "$DOCKERD_LOG" >&2 || true
      fail "no engine answered 'docker info' within ${WAIT_SECONDS}s"
    fi
    sleep 1
  done
  say "engine up"
fi
say "$(docker info --format 'server {{.ServerVersion}}, cgroup v{{.CgroupVersion}} ({{.CgroupDriver}}), storage {{.Driver}}, {{.NCPU}} CPUs')"

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "$BASE_IMAGE exists"
else
  command -v debootstrap >/dev/null || fail "debootstrap is missing"
  rootfs=$(mktemp -d /var/tmp/sdkgen-rootfs.XXXXXX)
  trap 'as_root rm -rf "$rootfs"' EXIT
  say "debootstrap bookworm ($PACKAGES) into $rootfs"
  if ! as_root debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$MIRROR" \
      >/tmp/sdkgen-debootstrap.log 2>&1; then
    tail -n 40 /tmp/sdkgen-debootstrap.log >&2
    fail "debootstrap failed (full log: /tmp/sdkgen-debootstrap.log)"
  fi
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  say "importing $BASE_IMAGE"
  as_root tar -C "$rootfs" -c . | docker import -c 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null \
    || fail "docker import failed"
  say "$BASE_IMAGE built"
fi
say "ready"
