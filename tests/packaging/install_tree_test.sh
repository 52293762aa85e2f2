#!/usr/bin/env bash
# `cmake --install` of the build tree into a scratch DESTDIR: every file lands where the unit and
# the docs say, the unit names this install's own paths, and a second install keeps the admin's
# config and environment files.
# Usage: install_tree_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

install_into() {  # DESTDIR PREFIX
    DESTDIR=$1 "${CMAKE:-cmake}" --install "$build" --prefix "$2" >"$work/install.log" 2>&1 ||
        { cat "$work/install.log" >&2; fail "cmake --install --prefix $2"; }
}

expect_mode() {  # FILE OCTAL-MODE
    [[ -f $1 ]] || fail "missing $1"
    local mode
    mode=$(stat -c %a "$1")
    [[ $mode == "$2" ]] || fail "$1 has mode $mode, expected $2"
}

expect_line() {  # FILE LINE
    grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}

# The layout of the Debian package: prefix /usr, configuration in /etc.
root=$work/usr-root
install_into "$root" /usr
expect_mode "$root/usr/bin/ollama-proxy" 755
expect_mode "$root/usr/lib/systemd/system/ollama-proxy.service" 644
expect_mode "$root/usr/lib/sysusers.d/ollama-proxy.conf" 644
expect_mode "$root/usr/share/ollama-proxy/com.ollama-proxy.plist" 644
for doc in README.md LICENSE config.example.json ollama-proxy.env; do
    expect_mode "$root/usr/share/doc/ollama-proxy/$doc" 644
done
expect_mode "$root/etc/ollama-proxy/config.json" 640
expect_mode "$root/etc/default/ollama-proxy" 600
cmp -s "$root/etc/ollama-proxy/config.json" "$root/usr/share/doc/ollama-proxy/config.example.json" ||
    fail "/etc/ollama-proxy/config.json is not the example config"
unit=$root/usr/lib/systemd/system/ollama-proxy.service
expect_line "$unit" "ExecStart=/usr/bin/ollama-proxy --config /etc/ollama-proxy/config.json"
expect_line "$unit" "EnvironmentFile=-/etc/default/ollama-proxy"
"$root/usr/bin/ollama-proxy" --version | grep -q '^ollama-proxy ' || fail "installed binary"

# Nothing else is installed: no test programs, no stray files.
(cd "$root" && find . -type f | sort) >"$work/files"
cat >"$work/expected" <<'LIST'
./etc/default/ollama-proxy
./etc/ollama-proxy/config.json
./usr/bin/ollama-proxy
./usr/lib/systemd/system/ollama-proxy.service
./usr/lib/sysusers.d/ollama-proxy.conf
./usr/share/doc/ollama-proxy/LICENSE
./usr/share/doc/ollama-proxy/README.md
./usr/share/doc/ollama-proxy/config.example.json
./usr/share/doc/ollama-proxy/ollama-proxy.env
./usr/share/ollama-proxy/com.ollama-proxy.plist
LIST
diff -u "$work/expected" "$work/files" || fail "unexpected set of installed files"

# Another prefix: the unit follows it, and the configuration lives under PREFIX/etc.
other=$work/opt-root
install_into "$other" /opt/op
unit=$other/opt/op/lib/systemd/system/ollama-proxy.service
expect_line "$unit" "ExecStart=/opt/op/bin/ollama-proxy --config /opt/op/etc/ollama-proxy/config.json"
expect_line "$unit" "EnvironmentFile=-/opt/op/etc/default/ollama-proxy"
expect_line "$unit" "Documentation=file:/opt/op/share/doc/ollama-proxy/README.md"
expect_mode "$other/opt/op/etc/ollama-proxy/config.json" 640

# Installing again replaces the program and the unit, never the admin's edits.
echo '{"remote": {"host": "edited.example"}}' >"$root/etc/ollama-proxy/config.json"
echo 'OLLAMA_PROXY_LOG_LEVEL=debug' >"$root/etc/default/ollama-proxy"
echo '# stale' >>"$root/usr/lib/systemd/system/ollama-proxy.service"
# An old time stamp: install skips a file whose time matches its source's, to the second.
touch -d 2001-01-01 "$root/usr/lib/systemd/system/ollama-proxy.service"
install_into "$root" /usr
grep -q edited.example "$root/etc/ollama-proxy/config.json" || fail "config.json was overwritten"
grep -q LOG_LEVEL=debug "$root/etc/default/ollama-proxy" || fail "the environment file was overwritten"
if grep -q stale "$root/usr/lib/systemd/system/ollama-proxy.service"; then
    fail "the unit was not replaced"
fi
echo "install tree as expected"
