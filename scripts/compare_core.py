#!/usr/bin/env python3
"""Score the metadata core (no server) against ExifTool, with the same rules as
../shared/tools/compare_exiftool.py.

    scripts/compare_core.py [--show N] [--group G] PATH [PATH ...]

Builds and runs `cargo run --release --example dump`, so it measures the code as it is now.
"""
import argparse, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "shared", "tools")
sys.path.insert(0, TOOLS)
from compare_exiftool import exiftool_reference, same  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--group", help="only count/show this group (lower-case)")
    args = ap.parse_args()
    files = []
    for p in args.paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(d, f) for d, _, fs in os.walk(p) for f in fs if not f.startswith(".") and f != "README")
        else:
            files.append(p)
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "metacore", "--example", "dump"], check=True, cwd=os.path.join(HERE, ".."))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "..", "target"))
    out = subprocess.run([os.path.join(target, "release", "examples", "dump")] + files, capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-3000:])
        sys.exit("dump crashed")
    ours_all = {r["file"]: r["metadata"] for r in json.loads(out.stdout)}
    totals = {}
    for path in files:
        ref = exiftool_reference(path)
        ours = {}
        for g, tags in ours_all.get(path, {}).items():
            for t, v in tags.items():
                ours[(g.lower(), t)] = v
        misses = []
        for k, (group, value) in ref.items():
            if args.group and k[0] != args.group:
                continue
            t = totals.setdefault(group, [0, 0, 0])
            t[0] += 1
            if k in ours:
                t[1] += 1
                if same(value, ours[k]):
                    t[2] += 1
                else:
                    misses.append(f"{group}:{k[1]} exiftool={value!r} ours={ours[k]!r}")
            else:
                misses.append(f"{group}:{k[1]} missing (exiftool={value!r})")
        if args.show and misses:
            print(f"-- {path}")
            for m in misses[: args.show]:
                print("   ", m)
    n = sum(t[0] for t in totals.values()); f = sum(t[1] for t in totals.values()); a = sum(t[2] for t in totals.values())
    print(f"{'group':<16}{'tags':>8}{'recall':>9}{'agree':>9}")
    for group, (tn, tf, ta) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
        print(f"{group:<16}{tn:>8}{tf / tn:>9.1%}{ta / tn:>9.1%}")
    print(f"overall: recall {f / max(n, 1):.1%} agreement {a / max(n, 1):.1%} over {n} ExifTool tags; {len(files)} files")


if __name__ == "__main__":
    main()
