#!/usr/bin/env python3
"""Processor time of writing a folder's files again, from memory, the way the render must:
each to a temporary name in its own directory, then renamed into place (no sync: /dev/shm).
Usage: write_floor.py SRC DEST; prints the seconds of user + system time of the writes."""
import os, sys, time

src, dest = sys.argv[1], sys.argv[2]
files = []
for root, _, names in os.walk(src):
    for name in names:
        path = os.path.join(root, name)
        with open(path, "rb") as f:
            files.append((os.path.relpath(path, src), f.read()))
dirs = sorted({os.path.dirname(rel) for rel, _ in files})
t0 = time.process_time()
for d in dirs:
    os.makedirs(os.path.join(dest, d), exist_ok=True)
for rel, data in files:
    target = os.path.join(dest, rel)
    tmp = target + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)
    os.rename(tmp, target)
print(f"{time.process_time() - t0:.2f}")
