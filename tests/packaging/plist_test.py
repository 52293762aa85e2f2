#!/usr/bin/env python3
"""The launchd job config/com.ollama-proxy.plist: well-formed (plistlib parses only valid XML
property lists; plutil is not available on Linux) and saying what launchd needs to run the proxy
at load and again after a crash.

Usage: plist_test.py PLIST
"""
import plistlib
import sys


def main(path):
    with open(path, "rb") as f:
        plist = plistlib.load(f)
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    expect(plist.get("Label") == "com.ollama-proxy", "Label is not com.ollama-proxy")
    args = plist.get("ProgramArguments", [])
    expect(isinstance(args, list) and args and args[0].endswith("/bin/ollama-proxy"),
           "ProgramArguments does not start with the ollama-proxy binary")
    expect("--config" in args and args.index("--config") + 1 < len(args),
           "ProgramArguments passes no --config FILE")
    expect(plist.get("RunAtLoad") is True, "RunAtLoad is not true")
    # Restart after a crash, but let `launchctl kill TERM` stop it for good.
    expect(plist.get("KeepAlive") == {"SuccessfulExit": False},
           "KeepAlive is not {SuccessfulExit: false}")
    for key in ("StandardOutPath", "StandardErrorPath"):
        expect(str(plist.get(key, "")).startswith("/"), key + " is not an absolute path")
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    if not problems:
        print("plist as expected: " + ", ".join(sorted(plist)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
