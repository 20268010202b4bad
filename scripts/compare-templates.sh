#!/usr/bin/env bash
# Proves a change leaves the packaged CloudFormation templates as they were: packages every service
# with every stage and parameter set its infrastructure tests use, at a base commit and at the
# working tree, and diffs the two sets of templates (shared/testing/package.ts, TEMPLATE_SNAPSHOT_DIR).
#
#   scripts/compare-templates.sh [base-ref]      # default base: main
set -euo pipefail
base="${1:-main}"
root="$(git rev-parse --show-toplevel)"
out="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$out/base" >/dev/null 2>&1 || true' EXIT

snapshot() { # <checkout> <snapshot dir>
  (cd "$1" && TEMPLATE_SNAPSHOT_DIR="$2" npx jest 'services/.*/tests/(infrastructure|quicksight)\.int\.test\.ts' \
    --selectProjects integration --maxWorkers=2 >"$2.log" 2>&1) || {
    echo "infrastructure tests failed in $1 (log: $2.log)" >&2
    exit 1
  }
}

git -C "$root" worktree add --detach -q "$out/base" "$base"
# The installed packages as links to this tree's, but the workspace packages (@pipeline/*): those
# are relative links into the checkout, copied as links so they point into the base's own folders.
mkdir "$out/base/node_modules"
for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
  case "$(basename "$entry")" in
    @pipeline) cp -a "$entry" "$out/base/node_modules/" ;;
    *) ln -s "$entry" "$out/base/node_modules/" ;;
  esac
done
# The base packages with this tree's test harness, which writes the snapshots, and the code cache
# its osls processes preload.
cp "$root/shared/testing/package.ts" "$root/shared/testing/v8-code-cache.cjs" "$out/base/shared/testing/"
snapshot "$out/base" "$out/before"
snapshot "$root" "$out/after"
if diff -r "$out/before" "$out/after"; then
  echo "templates unchanged: $(ls "$out/after" | grep -c template) packagings compared"
else
  echo "templates differ (before: $out/before, after: $out/after)" >&2
  exit 1
fi
