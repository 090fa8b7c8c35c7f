#!/usr/bin/env python3
"""Independent reference for foley's onset metric (SPEC §7), using librosa.

For every clip NAME in DIR with NAME_gen.wav and NAME_real.wav (and optionally NAME_times.txt,
Greatest-Hits format: onset seconds first on each line):

  - onsets: librosa.onset.onset_detect(y, sr=22050, hop_length=512, delta=0.3, units='samples')
    on each signal loaded with librosa.load(sr=22050);
  - confidence of a generated onset s: max of (|y| - min|y|) / (max|y| - min|y| + 1e-6) over
    y[s - w : s + w], w = int(0.05 * 22050);
  - greedy suppression of generated onsets closer than 50 ms to a stronger one;
  - strongest first (ties: earlier first), each generated onset takes the nearest unused
    reference within 0.1 s (true positive) or none (false positive);
  - AP = sum over true positives of precision at their rank / number of reference onsets
    (a clip with no generated onsets scores 0); accuracy = matched / reference.

Scores against the real audio's onsets ("vs_real") and, where NAME_times.txt exists, against
the annotated times ("vs_times"). Summary: means over clips with reference onsets.

Usage: onset_ref.py DIR [--out FILE.json]
Also prints an FNV-1a 64-bit hash of each file's int16 samples, so a consumer can check it
scores the same audio.
"""
import argparse
import json
import os
import sys

import librosa
import numpy as np
import scipy.io.wavfile

SR = 22050
HOP = 512
DELTA = 0.3
CONF_W = int(0.05 * SR)
SUPPRESS = 0.05
TOL = 0.1


def fnv1a_int16(path):
    rate, data = scipy.io.wavfile.read(path)
    assert data.dtype == np.int16, f"{path}: expected 16-bit PCM"
    h = 0xCBF29CE484222325
    for b in data.astype("<i2").tobytes():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def detect(path):
    y, _ = librosa.load(path, sr=SR)
    onsets = librosa.onset.onset_detect(y=y, sr=SR, hop_length=HOP, delta=DELTA, units="samples")
    return y, [int(o) for o in onsets]


def confidence(y, onsets):
    a = np.abs(y.astype(np.float64))
    norm = (a - a.min()) / (a.max() - a.min() + 1e-6)
    out = []
    for s in onsets:
        lo, hi = max(0, s - CONF_W), min(len(y), s + CONF_W)
        out.append((s / SR, float(norm[lo:hi].max())))
    return out


def strongest_first(scored):
    return sorted(scored, key=lambda tc: (-tc[1], tc[0]))


def suppress(scored):
    remaining = list(scored)
    kept = []
    for cand in strongest_first(scored):
        if cand not in remaining:
            continue
        kept.append(cand)
        remaining = [o for o in remaining if abs(o[0] - cand[0]) >= SUPPRESS]
    return sorted(kept)


def score(generated, reference):
    used = [False] * len(reference)
    matched, psum = 0, 0.0
    for rank, (t, _c) in enumerate(strongest_first(generated), start=1):
        best = None
        for j, r in enumerate(reference):
            d = abs(r - t)
            if not used[j] and d <= TOL + 1e-9 and (best is None or d < best[1]):
                best = (j, d)
        if best is not None:
            used[best[0]] = True
            matched += 1
            psum += matched / rank
    n = len(reference)
    return {
        "reference": n,
        "generated": len(generated),
        "matched": matched,
        "ap": psum / n if n else None,
        "accuracy": matched / n if n else None,
        "count_right": len(generated) == n,
    }


def summary(scores):
    aps = [s["ap"] for s in scores if s["ap"] is not None]
    accs = [s["accuracy"] for s in scores if s["accuracy"] is not None]
    return {
        "clips": len(scores),
        "ap": float(np.mean(aps)) if aps else None,
        "accuracy": float(np.mean(accs)) if accs else None,
        "count_right": float(np.mean([s["count_right"] for s in scores])) if scores else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--out")
    args = ap.parse_args()
    names = sorted(f[: -len("_gen.wav")] for f in os.listdir(args.dir) if f.endswith("_gen.wav"))
    if not names:
        sys.exit(f"error: {args.dir}: no NAME_gen.wav files")
    clips, vs_real, vs_times = [], [], []
    for name in names:
        gen_path = os.path.join(args.dir, f"{name}_gen.wav")
        real_path = os.path.join(args.dir, f"{name}_real.wav")
        y_gen, on_gen = detect(gen_path)
        _y_real, on_real = detect(real_path)
        kept = suppress(confidence(y_gen, on_gen))
        clip = {
            "name": name,
            "gen_hash": fnv1a_int16(gen_path),
            "real_hash": fnv1a_int16(real_path),
            "gen_onsets": on_gen,
            "real_onsets": on_real,
            "vs_real": score(kept, [s / SR for s in on_real]),
        }
        vs_real.append(clip["vs_real"])
        times_path = os.path.join(args.dir, f"{name}_times.txt")
        if os.path.exists(times_path):
            with open(times_path) as f:
                times = [float(line.split()[0]) for line in f if line.strip()]
            clip["vs_times"] = score(kept, times)
            vs_times.append(clip["vs_times"])
        clips.append(clip)
    result = {
        "librosa": librosa.__version__,
        "params": {"sr": SR, "hop": HOP, "delta": DELTA, "suppress_s": SUPPRESS, "tolerance_s": TOL},
        "clips": clips,
        "summary": {"vs_real": summary(vs_real), "vs_times": summary(vs_times)},
    }
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(json.dumps(result["summary"], indent=1))


if __name__ == "__main__":
    main()
