#!/bin/sh
# Entry point of the nginx-unprivileged stand-in: runs /docker-entrypoint.d/*.sh before nginx, as the official one does
# (the stand-in ships none of the official scripts).
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    for f in $(find /docker-entrypoint.d/ -follow -type f -name '*.sh' 2>/dev/null | sort); do
        if [ -x "$f" ]; then echo "$0: running $f"; "$f"; fi
    done
fi
exec "$@"
