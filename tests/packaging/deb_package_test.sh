#!/usr/bin/env bash
# The Debian package built by CPack from the build tree, read back with dpkg-deb: its files and
# their modes, its control fields, conffiles and maintainer scripts.
# Usage: deb_package_test.sh BUILD_DIR   (exits 77, "skipped", without dpkg-deb)
set -euo pipefail
build=$1
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"${CPACK:-cpack}" -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack -G DEB"; }
debs=("$work"/out/ollama-proxy_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || { ls -l "$work/out" >&2; fail "expected one .deb"; }
deb=${debs[0]}
echo "built $(basename "$deb")"

# Files: path, mode and owner (tar's listing: "-rwxr-xr-x root/root SIZE DATE TIME ./path").
dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort -k3 >"$work/files"
cat >"$work/expected" <<'LIST'
-rw------- root/root ./etc/default/ollama-proxy
-rw-r----- root/root ./etc/ollama-proxy/config.json
-rwxr-xr-x root/root ./usr/bin/ollama-proxy
-rw-r--r-- root/root ./usr/lib/systemd/system/ollama-proxy.service
-rw-r--r-- root/root ./usr/lib/sysusers.d/ollama-proxy.conf
-rw-r--r-- root/root ./usr/share/doc/ollama-proxy/LICENSE
-rw-r--r-- root/root ./usr/share/doc/ollama-proxy/README.md
-rw-r--r-- root/root ./usr/share/doc/ollama-proxy/config.example.json
-rw-r--r-- root/root ./usr/share/doc/ollama-proxy/ollama-proxy.env
-rw-r--r-- root/root ./usr/share/ollama-proxy/com.ollama-proxy.plist
LIST
diff -u "$work/expected" "$work/files" || fail "unexpected package contents"

# Control fields.
field() { dpkg-deb --field "$deb" "$1"; }
[[ $(field Package) == ollama-proxy ]] || fail "Package: $(field Package)"
[[ $(field Section) == net ]] || fail "Section: $(field Section)"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture"
dpkg-deb --extract "$deb" "$work/root"
version=$("$work/root/usr/bin/ollama-proxy" --version | sed -n 's/^ollama-proxy //p')
[[ $(field Version) == "$version" ]] || fail "Version $(field Version) is not the program's $version"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
[[ -n $(field Description) ]] || fail "no Description"
depends=$(field Depends)
echo "Depends: $depends"
for library in libc6 libssl3 libstdc++6; do
    [[ $depends == *"$library"* ]] || fail "Depends lacks $library"
done

# The packed binary is stripped: a release build's debugging information would multiply its size.
if readelf -S "$work/root/usr/bin/ollama-proxy" | grep -q '\.debug_info\|\.symtab'; then
    fail "the packed binary is not stripped"
fi

# Control archive: conffiles name files the package really has, scripts are executable and parse.
dpkg-deb --control "$deb" "$work/control"
printf '/etc/ollama-proxy/config.json\n/etc/default/ollama-proxy\n' | diff -u - "$work/control/conffiles" ||
    fail "conffiles"
for script in postinst prerm postrm; do
    [[ -x $work/control/$script ]] || fail "$script missing or not executable"
    sh -n "$work/control/$script" || fail "$script does not parse"
    head -1 "$work/control/$script" | grep -qx '#!/bin/sh' || fail "$script is not a /bin/sh script"
done
grep -q 'systemd-sysusers' "$work/control/postinst" || fail "postinst does not create the user"
echo "package as expected"
