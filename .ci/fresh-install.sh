#!/usr/bin/env bash
# The README's first two commands on a machine without the PC/SC headers (issue 11): a clean clone
# of this checkout's HEAD, then `npm ci` and `npm run demo`, in a private mount namespace where
# /usr/include/PCSC is an empty tmpfs, so @pokusew/pcsclite cannot compile (no winscard.h).
# Fails unless both commands succeed, the binding really was not built, and `teiki run` with a
# pcsc reader then exits 3 with the line that says what to install.
# Needs root (unshare -m, mount) and git. About five minutes: npm ci compiles better-sqlite3 when it
# cannot download a prebuilt binary, and runs tsc through `prepare`.
# The clone sees committed files only: commit first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" != --in-namespace ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fresh-install: needs root (a private mount namespace hides /usr/include/PCSC)" >&2
    exit 1
  fi
  # util-linux unshare makes every mount private to the namespace: nothing leaks to the host.
  exec unshare --mount --propagation private "$0" --in-namespace
fi

fail() {
  echo "fresh-install: FAILED: $*" >&2
  exit 1
}

# Without libpcsclite-dev there is nothing to hide (and nothing is created on the host).
if [ -d /usr/include/PCSC ]; then mount -t tmpfs -o size=1m,mode=0755 teiki-no-pcsc /usr/include/PCSC; fi
[ ! -e /usr/include/PCSC/winscard.h ] || fail "/usr/include/PCSC/winscard.h is still visible"

work=$(mktemp -d /tmp/teiki-fresh-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
head=$(git -C "$root" rev-parse HEAD)
echo "fresh-install: clone of ${head:0:12} in $work/teiki, PC/SC headers hidden"
git clone --quiet --no-checkout "$root" "$work/teiki"
git -C "$work/teiki" checkout --quiet --detach "$head"
cd "$work/teiki"

# --prefer-offline: the npm cache answers what it holds (CI runs `npm ci` in the checkout first).
npm ci --prefer-offline --no-audit --no-fund || fail "npm ci"

# What the step claims: the native binding was not built here (npm drops the optional package
# whose install script failed, or at least leaves no compiled pcsclite.node).
if [ -e node_modules/@pokusew/pcsclite/build/Release/pcsclite.node ]; then
  fail "@pokusew/pcsclite compiled although the PC/SC headers were hidden; this step proves nothing"
fi
echo "fresh-install: ok: @pokusew/pcsclite not built (nfc-pcsc present: $([ -d node_modules/nfc-pcsc ] && echo yes || echo no))"

npm run demo -- --no-colour >"$work/demo.out" 2>"$work/demo.err" || {
  tail -n 40 "$work/demo.out" "$work/demo.err" >&2
  fail "npm run demo"
}
tail -n 5 "$work/demo.out"
echo "fresh-install: ok: npm run demo"

# `teiki run` with a PC/SC reader on this machine: exit 3, one line naming what to install.
cat >"$work/bus.json" <<EOF
{ "vehicle": { "id": "bus-101", "operator": "matsue-city" }, "data_dir": "$work/data",
  "readers": [ { "driver": "pcsc", "role": "boarding" } ] }
EOF
set +e
node dist/device/cli/teiki.js run --config "$work/bus.json" >"$work/run.out" 2>"$work/run.err"
code=$?
set -e
cat "$work/run.err" >&2
[ "$code" -eq 3 ] || fail "teiki run with a pcsc reader exited $code, not 3"
[ "$(wc -l <"$work/run.err")" -eq 1 ] || fail "teiki run printed more than one line on stderr"
# npm dropped the package whose compile failed: then only `npm install` brings it back.
if [ -d node_modules/nfc-pcsc ]; then then_run='npm rebuild'; else then_run='npm install'; fi
grep -q "^teiki: the PC/SC binding is not installed: apt-get install libpcsclite-dev pcscd, then $then_run" "$work/run.err" ||
  fail "the line does not say what to install (expected: ..., then $then_run)"
echo "fresh-install: ok: teiki run with a pcsc reader exits 3 and says what to install"
