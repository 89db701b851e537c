# Brings the project's own Node.js and pnpm (from the npm registry, into $CM_CACHE), installs the
# workspace and builds it. The machine's Node is only used to fetch ours. Sourced, never run.

ensure_node() {
  local tools="$CM_CACHE/tools/node-$NODE_VERSION-pnpm-$PNPM_VERSION"
  if [ ! -f "$tools/.complete" ]; then
    command -v npm >/dev/null || fail "npm is needed once to fetch Node.js $NODE_VERSION; install Node.js and npm (apt-get install npm)."
    say "fetching Node.js $NODE_VERSION and pnpm $PNPM_VERSION from the npm registry into $tools"
    rm -rf "$tools" && mkdir -p "$tools"
    (cd "$tools" && echo '{"private":true}' > package.json &&
      npm install --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2) \
      || fail "npm could not install node@$NODE_VERSION and pnpm@$PNPM_VERSION (see above)"
    "$tools/node_modules/.bin/node" --version >/dev/null 2>&1 \
      || fail "node@$NODE_VERSION installed but its binary does not run on this machine"
    touch "$tools/.complete"
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
  [ "$(node --version)" = "v$NODE_VERSION" ] || fail "expected Node.js v$NODE_VERSION on PATH, found $(node --version)"
}

# Installs dependencies when the lockfile, the workspace or a patch changed since the last
# install, then builds (incremental).
ensure_workspace() {
  ensure_node
  local stamp="$CM_ROOT/node_modules/.cm-install-stamp" want
  want=$(cat "$CM_ROOT/pnpm-lock.yaml" "$CM_ROOT/package.json" "$CM_ROOT/pnpm-workspace.yaml" "$CM_ROOT"/patches/* 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing workspace dependencies"
    local frozen=--frozen-lockfile
    [ -f "$CM_ROOT/pnpm-lock.yaml" ] || frozen=
    (cd "$CM_ROOT" && pnpm install $frozen --store-dir "$CM_CACHE/pnpm-store" --reporter=append-only >&2) \
      || fail "pnpm install failed (see above)"
    echo "$want" > "$stamp"
  fi
  say "building the workspace"
  (cd "$CM_ROOT" && pnpm -s run build >&2) || fail "the TypeScript build failed (see above)"
}
