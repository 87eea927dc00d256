#!/bin/sh
# The last step of `make run`: the worker cluster and the web server, stopped together.
#
# A supervisor (or systemd's default control-group kill) stops us with SIGTERM to our whole
# process group. django-q's sentinel and workers must not receive it directly: the sentinel
# dies holding a lock and the cluster's main process then waits on it forever. So the
# cluster runs in its own session and we stop it ourselves: SIGTERM to its main process
# (a clean stop), then SIGKILL to its group after STOP_GRACE_SECONDS. A task killed that
# way is retried by the sweeps (stuck runs, vendor checks, outbox). Ctrl-C does the same.
set -u
PY=${1:-.venv/bin/python}
ADDRESS=${RUN_ADDRESS:-127.0.0.1:8000}
GRACE_TENTHS=$(( ${STOP_GRACE_SECONDS:-8} * 10 ))
DJANGO_DEBUG=${DJANGO_DEBUG:-0}
export DJANGO_DEBUG

if command -v setsid >/dev/null 2>&1; then
    setsid "$PY" manage.py qcluster &
else
    "$PY" manage.py qcluster &
fi
QCLUSTER=$!
WEB=""

stop() {
    trap - INT TERM EXIT
    [ -n "$WEB" ] && kill -TERM "$WEB" 2>/dev/null
    kill -TERM "$QCLUSTER" 2>/dev/null
    i=0
    while kill -0 "$QCLUSTER" 2>/dev/null && [ "$i" -lt "$GRACE_TENTHS" ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL -- "-$QCLUSTER" 2>/dev/null || kill -KILL "$QCLUSTER" 2>/dev/null
    wait 2>/dev/null
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$PY" manage.py runserver "$ADDRESS" --noreload &
WEB=$!
wait "$WEB"
