#!/usr/bin/env python3
"""Deterministic upload files and their SHA-256 digests.

Usage: blobs.py --dir DIR --size-mb N NAME [NAME ...]

Writes DIR/blob-NAME.bin for every NAME: N MiB of zeros (a sparse file, so creating it costs
neither time nor disk) whose last byte is the NAME's index + 1, so that every file has its own
digest. Prints "NAME HEX" per file. The zeros are hashed once; each file's digest continues a
copy of that state with its last byte.
"""

import argparse
import hashlib
import os
import pathlib
import sys

BLOCK = 1 << 20


def zeros_hash(size: int):
    """sha256 state after `size` zero bytes."""
    state = hashlib.sha256()
    block = bytes(BLOCK)
    full, rest = divmod(size, BLOCK)
    for _ in range(full):
        state.update(block)
    state.update(bytes(rest))
    return state


def write_sparse(path: pathlib.Path, size: int, last_byte: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size - 1)
        f.seek(size - 1)
        f.write(bytes([last_byte]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=pathlib.Path)
    parser.add_argument("--size-mb", required=True, type=int)
    parser.add_argument("names", nargs="+")
    args = parser.parse_args()

    size = args.size_mb * BLOCK
    if size < 1 or len(args.names) > 255:
        parser.error("need a size of at least 1 MiB and at most 255 names")
    prefix = zeros_hash(size - 1)
    for index, name in enumerate(args.names):
        last = index + 1
        write_sparse(args.dir / f"blob-{name}.bin", size, last)
        digest = prefix.copy()
        digest.update(bytes([last]))
        print(name, digest.hexdigest())
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
