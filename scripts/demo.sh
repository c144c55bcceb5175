#!/usr/bin/env bash
# The main job on the bundled example: generate a pipeline into a fresh copy
# of examples/fastapi-app, then rehearse a deploy of it with `mcc try`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export UV_NATIVE_TLS=1

command -v uv >/dev/null || python3 -m pip install --quiet uv
cd "$here"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

repo=$(mktemp -d)/notes-api
cp -r examples/fastapi-app "$repo"
cd "$repo"
echo "== generating into $repo"
node "$here/bin/create-mcc-pipeline.js" --yes --remote-host app.example.com \
  --services notes-api,notes-worker --cron backup,health-check
node "$here/bin/mcc.js" try --stage dev
