#!/usr/bin/env python3
"""The shipped configuration against the program: config/config.example.json is accepted as it
is and has every section of the configuration; config/ollama-proxy.env lists every environment
variable the settings table reads (so a new setting cannot be left out), and its example values,
all uncommented at once, are accepted too. The program's --print-config checks a configuration
without starting the daemon.

Usage: config_files_test.py SOURCE_DIR PROXY_BIN
"""
import json
import os
import pathlib
import re
import subprocess
import tempfile
import sys


def print_config(proxy_bin, args, env):
    # Only the variables under test: the caller's own OLLAMA_PROXY_* must not leak in.
    base = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_PROXY_")}
    result = subprocess.run([proxy_bin, "--print-config", *args], env={**base, **env},
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise AssertionError("ollama-proxy refused the configuration: " + result.stderr.strip())
    return json.loads(result.stdout)


def variables_read_by_program(source):
    names = set()
    for path in (source / "src" / "config").glob("*.cpp"):
        names.update(re.findall(r'"(OLLAMA_PROXY_[A-Z0-9_]+|OLLAMA_ORIGINS)"', path.read_text()))
    return names


def example_values(env_file):
    """The commented-out assignments "#NAME=value", unquoted as systemd would."""
    values = {}
    for line in env_file.read_text().splitlines():
        match = re.fullmatch(r"#(OLLAMA_PROXY_[A-Z0-9_]+|OLLAMA_ORIGINS)=(.*)", line)
        if not match:
            continue
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[match.group(1)] = value
    return values


def main(source, proxy_bin):
    source = pathlib.Path(source)
    example = source / "config" / "config.example.json"
    env_file = source / "config" / "ollama-proxy.env"

    printed = print_config(proxy_bin, ["--config", str(example)], {})
    written = json.loads(example.read_text())
    assert printed["remote"]["host"] == written["remote"]["host"], printed["remote"]
    # Every section shows up in the example, so a reader sees where each kind of setting goes.
    assert set(written) == set(printed), "the example's sections %s are not the program's %s" % (
        sorted(written), sorted(printed))
    print("config.example.json accepted")

    values = example_values(env_file)
    wanted = variables_read_by_program(source)
    missing = sorted(wanted - set(values))
    unknown = sorted(set(values) - wanted)
    assert not missing, "ollama-proxy.env does not document " + ", ".join(missing)
    assert not unknown, "ollama-proxy.env names variables the program ignores: " + ", ".join(unknown)
    print("ollama-proxy.env documents all %d variables" % len(wanted))

    # The example file paths are the installed ones; point them at real files.
    values["OLLAMA_PROXY_CONFIG"] = str(example)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tokens:
        tokens.write('[{"key": "from-the-tokens-file"}]')
    values["OLLAMA_PROXY_AUTH_TOKENS_FILE"] = tokens.name
    printed = print_config(proxy_bin, [], values)
    assert printed["remote"]["host"] == values["OLLAMA_PROXY_REMOTE_HOST"], printed["remote"]
    assert printed["log"]["level"] == values["OLLAMA_PROXY_LOG_LEVEL"], printed["log"]
    os.unlink(tokens.name)
    print("ollama-proxy.env example values accepted")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1], sys.argv[2]))
    except AssertionError as problem:
        print("FAIL: %s" % problem, file=sys.stderr)
        sys.exit(1)
