#!/usr/bin/env python3
"""Independent numpy/scipy reference of the foley cochleagram (SPEC §2).

Whole-signal definition, written straight from the SPEC with no code shared with the Rust
implementation:
  1. read WAV (integer PCM / full scale, channels averaged);
  2. scipy.signal.resample_poly to the working rate, clip to [-1, 1];
  3. trim to whole steps of floor(rate/env_rate) samples (N' samples);
  4. one rfft of the whole signal zero-padded by (at least) 2 s, so that the circular
     filtering wraps only zeros into the signal; its length is the smallest multiple of 16
     with no prime factor above 5 (the same rule as foley's whole-signal transform);
     half-cosine ERB filter bank + low-pass + high-pass on its bins;
  5. envelope = |scipy.signal.hilbert(subband)| on [0, N');
  6. envelope ** compression;
  7. scipy.signal.resample_poly to env_rate, keep T = round(N'·env_rate/rate) steps
     (round half up), clip to [0, 1].
Writes float32 [T, bands+2] .npy.

Usage:
  cochleagram_ref.py IN.wav -o OUT.npy [--rate 20000 --bands 40 --low 20 --high 10000
                                        --compression 0.3 --env-rate 90]
  cochleagram_ref.py --make-signal OUT.wav [--seconds 1.2 --in-rate 44100]
      writes the deterministic test signal used for tests/fixtures (16-bit PCM).
"""
import argparse
import math
import sys
import time

import numpy as np
import scipy.fft
import scipy.io.wavfile
import scipy.signal


def erb(f):
    return 9.265 * np.log1p(np.asarray(f, dtype=np.float64) / (24.7 * 9.265))


def erb_inv(e):
    return 24.7 * 9.265 * np.expm1(np.asarray(e, dtype=np.float64) / 9.265)


def whole_fft_len(n):
    m = -(-n // 16)
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return 16 * m
        m += 1


def filter_bank(n_fft, rate, bands, low, high):
    """[bands+2, n_fft//2+1] responses on the rfft bins; rows low-pass, ERB bands, high-pass."""
    f = np.arange(n_fft // 2 + 1) * rate / n_fft
    c = erb_inv(np.linspace(erb(low), erb(high), bands + 2))
    e = erb(f)
    H = np.zeros((bands + 2, f.size))
    for k in range(1, bands + 1):
        el, eh = erb(c[k - 1]), erb(c[k + 1])
        m = (f > c[k - 1]) & (f < c[k + 1])
        H[k, m] = np.cos(np.pi * (e[m] - (el + eh) / 2) / (eh - el))
    m = f <= c[0]
    H[0, m] = 1.0
    m = (f > c[0]) & (f < c[1])
    H[0, m] = np.sqrt(np.maximum(0.0, 1.0 - H[1, m] ** 2))
    last = bands + 1
    m = f >= c[last]
    H[last, m] = 1.0
    m = (f > c[last - 1]) & (f < c[last])
    H[last, m] = np.sqrt(np.maximum(0.0, 1.0 - H[last - 1, m] ** 2))
    return H


def cochleagram(x, in_rate, rate=20000, bands=40, low=20.0, high=10000.0, compression=0.3, env_rate=90):
    x = np.asarray(x, dtype=np.float64)
    if in_rate != rate:
        g = math.gcd(in_rate, rate)
        x = scipy.signal.resample_poly(x, rate // g, in_rate // g)
    x = np.clip(x, -1.0, 1.0)
    step = rate // env_rate
    n = len(x) // step * step
    if n == 0:
        raise SystemExit("audio shorter than one envelope step")
    x = x[:n]
    T = int(math.floor(n * env_rate / rate + 0.5))
    n_fft = whole_fft_len(n + 2 * rate)
    X = np.fft.rfft(x, n_fft)
    H = filter_bank(n_fft, rate, bands, low, high)
    g = math.gcd(rate, env_rate)
    out = np.empty((T, bands + 2))
    for k in range(bands + 2):
        sub = np.fft.irfft(X * H[k], n_fft)
        env = np.abs(scipy.signal.hilbert(sub))[:n]
        out[:, k] = scipy.signal.resample_poly(env ** compression, env_rate // g, rate // g)[:T]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def read_wav(path):
    rate, data = scipy.io.wavfile.read(path)
    if data.dtype.kind == "i":
        data = data.astype(np.float64) / float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "u":  # 8-bit WAV is unsigned
        data = (data.astype(np.float64) - 128.0) / 128.0
    else:
        data = data.astype(np.float64)
    if data.ndim == 2:
        data = data.mean(axis=1)
    return data, rate


def make_signal(seconds, rate):
    """Deterministic impact-like test signal: decaying modes struck at three times, a noise
    burst, a 100 Hz → 9 kHz chirp, a low 35 Hz hum and a 14 kHz tone (out of the working band)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(20160)
    x = np.zeros_like(t)
    for onset, gain in [(0.15, 0.5), (0.55, 0.25), (0.9, 0.1)]:
        tt = t - onset
        on = tt >= 0
        for f, d, a in [(180, 18, 0.5), (730, 30, 0.3), (2450, 55, 0.2), (6100, 90, 0.1)]:
            x[on] += gain * a * np.exp(-d * tt[on]) * np.sin(2 * np.pi * f * tt[on])
        burst = on & (tt < 0.01)
        x[burst] += gain * 0.6 * rng.standard_normal(burst.sum()) * np.exp(-300 * tt[burst])
    x += 0.05 * scipy.signal.chirp(t, 100, t[-1], 9000, method="logarithmic")
    x += 0.02 * np.sin(2 * np.pi * 35 * t) + 0.03 * np.sin(2 * np.pi * 14000 * t)
    x += 0.002 * rng.standard_normal(t.size)
    return np.clip(x, -1, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?")
    ap.add_argument("-o", "--output")
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--bands", type=int, default=40)
    ap.add_argument("--low", type=float, default=20.0)
    ap.add_argument("--high", type=float, default=10000.0)
    ap.add_argument("--compression", type=float, default=0.3)
    ap.add_argument("--env-rate", type=int, default=90)
    ap.add_argument("--make-signal", metavar="OUT.wav")
    ap.add_argument("--seconds", type=float, default=1.2)
    ap.add_argument("--in-rate", type=int, default=44100)
    ap.add_argument("--time", action="store_true", help="print seconds taken to stderr")
    a = ap.parse_args()
    if a.make_signal:
        x = make_signal(a.seconds, a.in_rate)
        scipy.io.wavfile.write(a.make_signal, a.in_rate, np.round(x * 32767).astype(np.int16))
        return
    if not a.input or not a.output:
        ap.error("IN.wav and -o OUT.npy are required")
    t0 = time.perf_counter()
    x, rate = read_wav(a.input)
    c = cochleagram(x, rate, a.rate, a.bands, a.low, a.high, a.compression, a.env_rate)
    np.save(a.output, c)
    if a.time:
        print(f"{time.perf_counter() - t0:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
