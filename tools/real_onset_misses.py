#!/usr/bin/env python3
# Which annotated actions the SPEC §7 onset detector (librosa onset_detect, delta 0.3, hop 512,
# 22 050 Hz, ±0.1 s) misses in the *real* sound of a split: counts by action, then each miss
# with its material and its level (dB, SPEC §7 hit window) relative to the loudest action of
# its clip. Usage: ~/.cache/foley/venv/bin/python3 tools/real_onset_misses.py DATA SPLIT
import collections
import sys

import librosa
import numpy as np

data, split = sys.argv[1], sys.argv[2]
ids = [l.strip() for l in open(f"{data}/{split}.txt") if l.strip()]
tally, misses = collections.Counter(), []
for cid in ids:
    y, sr = librosa.load(f"{data}/{cid}_denoised.wav", sr=22050)
    onsets = librosa.onset.onset_detect(y=y, sr=sr, hop_length=512, delta=0.3, units="time")
    acts = [l.split()[:3] for l in open(f"{data}/{cid}_times.txt") if l.strip()]
    levels = []
    for t, _, _ in acts:
        s = int((float(t) - 0.02) * sr)
        seg = y[max(s, 0):s + int(0.17 * sr)]
        levels.append(10 * np.log10(np.mean(seg**2) + 1e-10))
    loudest = max(levels)
    for (t, material, action), level in zip(acts, levels):
        found = len(onsets) > 0 and np.min(np.abs(onsets - float(t))) <= 0.1
        tally[(action, "found" if found else "missed")] += 1
        if not found:
            misses.append((round(float(level - loudest), 1), action, material, cid, float(t)))
print(dict(tally))
for m in sorted(misses):
    print(*m)
