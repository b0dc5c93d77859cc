#!/usr/bin/env bash
# Builds local stand-ins for the base images the Dockerfiles name (they cannot be pulled here), tagged with those exact
# names so the Dockerfiles build unmodified: debian:bookworm-slim (debootstrap minbase from Debian's mirror),
# node:20-bookworm-slim (plus this machine's Node 20), nginxinc/nginx-unprivileged:1.28.0-alpine (Debian's nginx set
# up as nginx-unprivileged) and confluentinc/cp-kafka-connect:7.9.1 (a JRE and Apache Kafka Connect 3.9.1 from Maven
# Central in Confluent's layout). How each differs from the official image: docs/kubernetes-lab.md, "Real image builds".
# Usage: bash platform/tests/images/stand-ins.sh   Idempotent: an image whose inputs did not change is kept.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
logs="$images_cache/logs"
say() { printf '[images] %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }
need buildah "apt-get install buildah (.ci/run installs it)"
need debootstrap "apt-get install debootstrap (.ci/run installs it)"
need mvn "apt-get install maven (.ci/run installs it)"

DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${FLEETLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"

# key NAME FILES...: a hash of what an image is made of; a stand-in is rebuilt only when it changes.
key() { local name="$1"; shift; { echo "$name"; cat "$@"; } | sha256sum | cut -c1-16; }
current_key() { buildah inspect --type image --format '{{index .OCIv1.Config.Labels "dev.fleetlab.stand-in.key"}}' "$1" 2>/dev/null || true; }
# fresh NAME KEY: true when the image is there with this key.
fresh() { [ "$(current_key "$1")" = "$2" ]; }
commit() { # commit CONTAINER NAME KEY
  buildah config --label "dev.fleetlab.stand-in.key=$3" "$1"
  buildah commit --quiet "$1" "$2" >/dev/null
  buildah rm "$1" >/dev/null
  say "built $2"
}

# --- debian:bookworm-slim: debootstrap minbase, slimmed as Debian's docker images are (no docs, man pages, locales).
debian=docker.io/library/debian:bookworm-slim
# Bump the v-number when the rootfs recipe below changes.
debian_key="$(key debian-v1 <(echo "$DEBIAN_SUITE $DEBIAN_MIRROR"))"
rootfs_tar="$images_cache/downloads/$DEBIAN_SUITE-minbase-$debian_key.tar"
if ! fresh "$debian" "$debian_key"; then
  if [ ! -f "$rootfs_tar" ]; then
    say "debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (1-4 min; log $logs/debootstrap.log)"
    tmp="$(mktemp -d "$images_cache/downloads/rootfs.XXXXXX")"
    # debootstrap mounts /proc and /sys inside the rootfs while it works: unmount them before anything removes it.
    cleanup_rootfs() { { grep -o " $tmp/[^ ]*" /proc/mounts || true; } | sort -r | xargs -r umount -l; rm -rf "$tmp"; }
    trap cleanup_rootfs EXIT
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$tmp/rootfs" "$DEBIAN_MIRROR" >"$logs/debootstrap.log" 2>&1 ||
      { say "debootstrap failed: see $logs/debootstrap.log"; tail -5 "$logs/debootstrap.log"; exit 1; }
    cat >"$tmp/rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# As in Debian's docker images: packages installed later leave out documentation and translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
    cat >"$tmp/rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# As in Debian's docker images: no .deb cache left in layers.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Install-Recommends "false";
EOF
    rm -rf "$tmp/rootfs/usr/share/doc"/*/changelog* "$tmp/rootfs/usr/share/man"/* "$tmp/rootfs/usr/share/info"/* \
      "$tmp/rootfs/usr/share/locale"/* "$tmp/rootfs/var/cache/apt"/*.bin "$tmp/rootfs/var/cache/apt/archives"/*.deb \
      "$tmp/rootfs/var/lib/apt/lists"/*
    tar -C "$tmp/rootfs" --numeric-owner -cf "$tmp/rootfs.tar" .
    mv "$tmp/rootfs.tar" "$rootfs_tar"
    cleanup_rootfs
    trap - EXIT
  fi
  c="$(buildah from --pull=never scratch)"
  buildah add --quiet "$c" "$rootfs_tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
  commit "$c" "$debian" "$debian_key"
fi

# --- node:20-bookworm-slim: the slim base plus Node 20 in /usr/local (this machine's Node 20, the official image's
# major) and the node user (uid 1000), as docker-library's node image.
node_version="$(node --version)"
case "$node_version" in v20.*) ;; *) say "node:20-bookworm-slim needs Node 20 on this machine, found $node_version"; exit 1 ;; esac
node=docker.io/library/node:20-bookworm-slim
node_key="$(key "node-v1-$debian_key-$node_version-$(npm --version)" "$here/stand-ins/node/docker-entrypoint.sh")"
if ! fresh "$node" "$node_key"; then
  c="$(buildah from --pull=never "$debian")"
  buildah copy --quiet "$c" "$NODE_PREFIX/bin/node" /usr/local/bin/node >/dev/null
  buildah copy --quiet "$c" "$NODE_PREFIX/lib/node_modules" /usr/local/lib/node_modules >/dev/null
  buildah copy --quiet "$c" "$NODE_PREFIX/include/node" /usr/local/include/node >/dev/null
  buildah copy --quiet --chmod 755 "$c" "$here/stand-ins/node/docker-entrypoint.sh" /usr/local/bin/docker-entrypoint.sh >/dev/null
  buildah run "$c" -- sh -euc '
    groupadd --gid 1000 node
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
    if [ -d /usr/local/lib/node_modules/corepack ]; then ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack; fi
    node --version >/dev/null && npm --version >/dev/null'
  buildah config --env "NODE_VERSION=${node_version#v}" --entrypoint '["docker-entrypoint.sh"]' --cmd node "$c"
  commit "$c" "$node" "$node_key"
fi

# --- nginxinc/nginx-unprivileged:1.28.0-alpine: Alpine cannot be fetched here, so Debian's nginx configured as
# nginx-unprivileged is: port 8080, uid/gid 101, pid and temp files in /tmp, logs to stdout/stderr, /etc/nginx layout.
nginx=docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine
nginx_key="$(key "nginx-v1-$debian_key" "$here"/stand-ins/nginx-unprivileged/*)"
if ! fresh "$nginx" "$nginx_key"; then
  say "nginx-unprivileged stand-in: apt-get install nginx (log $logs/stand-in-nginx.log)"
  c="$(buildah from --pull=never "$debian")"
  buildah run --network host "$c" -- sh -euc '
    groupadd --system --gid 101 nginx
    useradd --system --gid nginx --uid 101 --no-create-home --home-dir /nonexistent --shell /bin/false nginx
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx
    rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/sites-available /etc/nginx/modules-enabled /var/www
    mkdir -p /usr/share/nginx/html /docker-entrypoint.d /var/cache/nginx /etc/nginx/conf.d
    printf "<!DOCTYPE html><title>Welcome to nginx!</title><h1>Welcome to nginx!</h1>\n" >/usr/share/nginx/html/index.html
    printf "<!DOCTYPE html><title>Error</title><h1>An error occurred.</h1>\n" >/usr/share/nginx/html/50x.html
    ln -sf /dev/stdout /var/log/nginx/access.log
    ln -sf /dev/stderr /var/log/nginx/error.log' >"$logs/stand-in-nginx.log" 2>&1 ||
    { say "nginx stand-in failed: see $logs/stand-in-nginx.log"; tail -5 "$logs/stand-in-nginx.log"; exit 1; }
  buildah copy --quiet "$c" "$here/stand-ins/nginx-unprivileged/nginx.conf" /etc/nginx/nginx.conf >/dev/null
  buildah copy --quiet "$c" "$here/stand-ins/nginx-unprivileged/default.conf" /etc/nginx/conf.d/default.conf >/dev/null
  buildah copy --quiet --chmod 755 "$c" "$here/stand-ins/nginx-unprivileged/docker-entrypoint.sh" /docker-entrypoint.sh >/dev/null
  buildah run "$c" -- sh -euc 'chown -R 101:0 /var/cache/nginx /etc/nginx && chmod -R g+w /var/cache/nginx /etc/nginx
    nginx -t -c /etc/nginx/nginx.conf 2>&1 | tail -1'
  buildah config --entrypoint '["/docker-entrypoint.sh"]' --cmd '["nginx", "-g", "daemon off;"]' --port 8080 \
    --stop-signal SIGQUIT --user 101 "$c"
  commit "$c" "$nginx" "$nginx_key"
fi

# --- confluentinc/cp-kafka-connect:7.9.1: a JRE and Apache Kafka Connect 3.9.1 (what CP 7.9.1 ships) from Maven
# Central in Confluent's layout: /usr/share/java/kafka, /usr/bin/connect-distributed, /etc/confluent/docker/run,
# /etc/kafka, /etc/kafka-connect, /usr/share/confluent-hub-components, user appuser (uid 1000).
connect=docker.io/confluentinc/cp-kafka-connect:7.9.1
connect_dir="$here/stand-ins/cp-kafka-connect"
connect_key="$(key "connect-v1-$debian_key" "$connect_dir"/pom.xml "$connect_dir"/docker/* "$connect_dir"/bin/* "$connect_dir"/etc-kafka/*)"
if ! fresh "$connect" "$connect_key"; then
  jars="$images_cache/downloads/connect-jars-$(key jars "$connect_dir/pom.xml")"
  if [ ! -d "$jars" ]; then
    say "resolving Apache Kafka Connect 3.9.1 from Maven Central (log $logs/stand-in-connect-mvn.log)"
    mvn -B -q -f "$connect_dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars.tmp" -DincludeScope=runtime \
      >"$logs/stand-in-connect-mvn.log" 2>&1 || { say "Maven failed: see $logs/stand-in-connect-mvn.log"; exit 1; }
    mv "$jars.tmp" "$jars"
  fi
  say "cp-kafka-connect stand-in: apt-get install a JRE (log $logs/stand-in-connect.log)"
  c="$(buildah from --pull=never "$debian")"
  buildah run --network host "$c" -- sh -euc '
    # The JRE package links its man pages with update-alternatives, which fails when slimming left no man1 folder.
    mkdir -p /usr/share/man/man1
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless curl unzip \
      ca-certificates hostname
    rm -rf /var/lib/apt/lists/*
    groupadd --gid 1000 appuser
    useradd --no-log-init --uid 1000 --gid appuser --create-home --shell /bin/bash appuser
    mkdir -p /usr/share/java/kafka /etc/kafka /etc/kafka-connect/jars /etc/kafka-connect/secrets /usr/logs \
      /usr/share/confluent-hub-components /etc/confluent/docker' >"$logs/stand-in-connect.log" 2>&1 ||
    { say "connect stand-in failed: see $logs/stand-in-connect.log"; tail -5 "$logs/stand-in-connect.log"; exit 1; }
  buildah copy --quiet "$c" "$jars" /usr/share/java/kafka >/dev/null
  buildah copy --quiet "$c" "$connect_dir/etc-kafka" /etc/kafka >/dev/null
  buildah copy --quiet --chmod 755 "$c" "$connect_dir/docker" /etc/confluent/docker >/dev/null
  buildah copy --quiet --chmod 755 "$c" "$connect_dir/bin" /usr/bin >/dev/null
  buildah run "$c" -- sh -euc '
    chmod 644 /etc/confluent/docker/*.template
    chown -R appuser:root /etc/kafka /etc/kafka-connect /usr/logs /usr/share/confluent-hub-components
    chmod -R ug+w /etc/kafka-connect /usr/share/confluent-hub-components
    chown -R appuser:appuser /etc/confluent/docker
    java -version 2>&1 | head -1'
  buildah config --env COMPONENT=kafka-connect --env LANG=C.UTF-8 \
    --env CONNECT_PLUGIN_PATH=/usr/share/java/,/usr/share/confluent-hub-components/ \
    --port 8083 --user appuser --workingdir /home/appuser --cmd /etc/confluent/docker/run "$c"
  commit "$c" "$connect" "$connect_key"
fi

say "stand-ins ready: $debian $node $nginx $connect (storage $images_cache/storage)"
