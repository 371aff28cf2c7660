#!/bin/sh
# Starts one app of the image from its bundle: `gateway`, `usage-worker` or `manager`.
set -e
case "${1:-gateway}" in
  gateway) exec node /app/gateway/dist/serve.js ;;
  usage-worker) exec node /app/gateway/dist/usage-worker-main.js ;;
  manager) exec node /app/manager/dist/serve.js ;;
  *) exec "$@" ;;
esac
