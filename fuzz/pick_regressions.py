#!/usr/bin/env python3
"""Picks the most coverage-diverse inputs of the fuzz corpus for the
regression test (crates/regfile/tests/fuzz-corpus/).

    RUSTC_BOOTSTRAP=1 cargo fuzz build regfile_parse   # in fuzz/
    python3 fuzz/pick_regressions.py [COUNT]           # default 20

Runs a libFuzzer merge of fuzz/corpus/regfile_parse (inputs under 8 KiB)
into an empty directory to learn each input's coverage features, then
picks greedily: each pick adds the most features not covered yet (ties go
to the smaller input). Writes them as cov-NN-HASH.reg, replacing earlier
cov-* files; other files there (crash inputs, hand-written ones) are kept.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus", "regfile_parse")
BINARY = os.path.join(
    HERE, "target", "x86_64-unknown-linux-gnu", "release", "regfile_parse"
)
OUT = os.path.join(REPO, "crates", "regfile", "tests", "fuzz-corpus")
MAX_SIZE = 8 * 1024


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        candidates = os.path.join(tmp, "in")
        os.mkdir(candidates)
        for name in sorted(os.listdir(CORPUS)):
            path = os.path.join(CORPUS, name)
            if os.path.isfile(path) and os.path.getsize(path) < MAX_SIZE:
                shutil.copy(path, candidates)
        merged = os.path.join(tmp, "out")
        os.mkdir(merged)
        control = os.path.join(tmp, "control")
        subprocess.run(
            [BINARY, "-merge=1", f"-merge_control_file={control}",
             f"-max_len={MAX_SIZE}", merged, candidates],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        with open(control) as f:
            lines = f.read().splitlines()
        n = int(lines[0])
        files = lines[2:2 + n]
        features = {}
        for line in lines[2 + n:]:
            parts = line.split()
            if parts and parts[0] == "FT":
                features[int(parts[1])] = set(map(int, parts[2:]))
        covered = set()
        picks = []
        while len(picks) < count:
            best = max(
                (i for i in features if i not in picks),
                key=lambda i: (len(features[i] - covered),
                               -os.path.getsize(files[i])),
                default=None,
            )
            if best is None or not features[best] - covered:
                break
            covered |= features[best]
            picks.append(best)
        for name in os.listdir(OUT):
            if name.startswith("cov-"):
                os.remove(os.path.join(OUT, name))
        for k, i in enumerate(picks, 1):
            with open(files[i], "rb") as f:
                data = f.read()
            digest = hashlib.sha1(data).hexdigest()[:10]
            with open(os.path.join(OUT, f"cov-{k:02}-{digest}.reg"), "wb") as f:
                f.write(data)
        total = len(set().union(*features.values())) if features else 0
        print(f"picked {len(picks)} of {len(features)} inputs: "
              f"{len(covered)} of {total} features")


if __name__ == "__main__":
    main()
