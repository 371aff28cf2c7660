#!/bin/sh
# Starts one app of the image: `gateway` or `manager`.
set -e
case "${1:-gateway}" in
  gateway) exec node --import tsx apps/gateway/src/serve.ts ;;
  manager) exec node --import tsx apps/manager/src/serve.ts ;;
  *) exec "$@" ;;
esac
