#!/usr/bin/env python3
"""Peer baseline for `foley train`: the same design in plain PyTorch, as a researcher would
write it (SPEC §4, issue 5): two-stream CNN (RGB + spacetime) with the same layers, spatial
fusion, each frame's features repeated 3x, LSTM at 90 Hz, linear read-out, robust loss
mean_t log(eps + ||s_t - s^_t||^2), Adam with warm-up + cosine decay, gradient clipping, the
same windows (15 frames around annotated actions with jitter, and at random positions) read
from the same preprocessing cache (`<data>/.foley-cache/<id>.clip`, written by `foley train`).

It writes its final weights (after each epoch's validation) as a foley model directory (`model.safetensors` with the same parameter names,
`config.json`), so `foley train --validate-only` scores both models with the same code.

Usage:
  tools/baseline_train.py --data DIR --out RUN [--minutes M] [--threads N] [--device cpu|cuda]
  tools/baseline_train.py --data DIR --replay TRACE   (see tools/replay_check)
Reads the model/training defaults from `foley`'s own config (pass --config-json, the
output of `foley train --print-config`).
"""
import argparse
import json
import math
import os
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)


def read_clip(path):
    with open(path, "rb") as f:
        b = f.read()
    if b[:8] != b"FOLEYCLP":
        raise SystemExit(f"{path}: not a foley cache file")
    hl = struct.unpack("<Q", b[12:20])[0]
    h = json.loads(b[20:20 + hl])
    off = 20 + hl
    n = h["n_frames"] * h["height"] * h["width"] * 3
    frames = np.frombuffer(b, dtype=np.uint8, count=n, offset=off).reshape(h["n_frames"], h["height"], h["width"], 3)
    coch = np.frombuffer(b, dtype="<f4", count=h["steps"] * h["bands"], offset=off + n).reshape(h["steps"], h["bands"])
    return {"id": h["id"], "frames": frames, "coch": coch, "events": [e["time"] for e in h["events"]],
            "materials": [e.get("material") for e in h["events"]]}


def read_list(path):
    if not os.path.exists(path):
        return []
    return [l.strip() for l in open(path) if l.strip()]


class Stream(nn.Module):
    def __init__(self, m):
        super().__init__()
        convs, cin = [], 3
        for i, c in enumerate(m["channels"]):
            k, st = (m["stem_kernel"], m["stem_stride"]) if i == 0 else (3, 2)
            pad = 0 if (i == 0 and st == k) else k // 2
            convs.append(nn.Conv2d(cin, c, k, st, pad))
            cin = c
        self.convs = nn.ModuleList(convs)

    def forward(self, x):
        for c in self.convs:
            x = F.relu(c(x))
        return x


def grid_size(m):
    def out(n, k, s, p):
        return (n + 2 * p - k) // s + 1
    sp = 0 if m["stem_stride"] == m["stem_kernel"] else m["stem_kernel"] // 2
    w = out(m["width"], m["stem_kernel"], m["stem_stride"], sp)
    h = out(m["height"], m["stem_kernel"], m["stem_stride"], sp)
    for _ in m["channels"][1:]:
        w, h = out(w, 3, 2, 1), out(h, 3, 2, 1)
    return out(w, 3, 2, 1), out(h, 3, 2, 1)


class Net(nn.Module):
    def __init__(self, m, norm):
        super().__init__()
        assert m["backbone"] == "small" and m["rgb_every"] == 1 and m.get("pca") is None, "baseline covers the default design"
        self.m = m
        self.rgb, self.st = Stream(m), Stream(m)
        c = m["channels"][-1]
        self.spatial = m["fusion"] == "spatial"
        if self.spatial:
            self.fuse = nn.ModuleDict({"mix": nn.Conv2d(2 * c, m["fused_channels"], 3, 2, 1),
                                       "grid": nn.Conv2d(m["fused_channels"], m["grid_channels"], 1)})
            gw, gh = grid_size(m)
            pin = m["grid_channels"] * gw * gh
        else:
            pin = 2 * c
        self.proj = nn.Linear(pin, m["feature_dim"])
        self.norm = nn.LayerNorm(m["feature_dim"])
        self.lstm = nn.LSTM(m["feature_dim"], m["hidden"], batch_first=True)
        self.head = nn.Linear(m["hidden"], m["bands"])
        r = m["readouts"]
        assert not (r["loudness"] or r["action"]), "baseline covers the onset and material read-outs only"
        self.n_aux = 18 if (r["onset"] or r["material"]) else 0
        if self.n_aux:
            self.aux = nn.Linear(m["hidden"], self.n_aux)
        nn.init.uniform_(self.head.weight, -1e-3, 1e-3)  # start by predicting the mean
        t = lambda v: torch.tensor(v, dtype=torch.float32)
        self.register_buffer("pmean", t(norm["pixel_mean"]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("pstd", t(norm["pixel_std"]).view(1, 3, 1, 1), persistent=False)
        self.gmean = sum(a * b for a, b in zip(LUMA, norm["pixel_mean"]))
        self.gstd = sum(a * b for a, b in zip(LUMA, norm["pixel_std"]))
        self.mstd = norm["motion_std"]
        self.register_buffer("tmean", t(norm["target_mean"]), persistent=False)
        self.register_buffer("tstd", t(norm["target_std"]), persistent=False)

    def forward(self, frames, state=None):
        """frames: uint8 [B, n+2, H, W, 3] (with the t-1 / t+1 context frames)."""
        b, f, h, w, _ = frames.shape
        n = f - 2
        x = frames.float().permute(0, 1, 4, 2, 3) / 255.0
        luma = torch.tensor(LUMA, device=x.device).view(1, 1, 3, 1, 1)
        g = (x * luma).sum(2)
        g0, g1, g2 = g[:, :n], g[:, 1:n + 1], g[:, 2:]
        if self.m.get("spacetime", "stack") == "diff":
            st = torch.stack([(g1 - self.gmean) / self.gstd, (g2 - g1) / self.mstd, (g1 - g0) / self.mstd], 2)
        else:
            st = (torch.stack([g0, g1, g2], 2) - self.gmean) / self.gstd
        st = st.reshape(b * n, 3, h, w)
        rgb = ((x[:, 1:n + 1].reshape(b * n, 3, h, w)) - self.pmean) / self.pstd
        a, s = self.rgb(rgb), self.st(st)
        if self.spatial:
            z = F.relu(self.fuse["mix"](torch.cat([a, s], 1)))
            z = F.relu(self.fuse["grid"](z)).flatten(1)
        else:
            z = torch.cat([a.mean((2, 3)), s.mean((2, 3))], 1)
        feats = F.relu(self.norm(self.proj(z))).view(b, n, -1)
        k = self.m["steps_per_frame"]
        seq = feats.unsqueeze(2).expand(b, n, k, feats.shape[-1]).reshape(b, n * k, -1)
        out, state = self.lstm(seq, state)
        self.last_aux = self.aux(out) if self.n_aux else None
        return self.head(out) * self.tstd + self.tmean, state


def robust_loss(pred, target, eps, kind="robust"):
    d2 = ((pred - target) ** 2).sum(-1)
    return torch.log(eps + d2).mean() if kind == "robust" else d2.mean()


MATERIALS = ["wood", "metal", "dirt", "rock", "leaf", "plastic", "cloth", "paper", "grass", "water", "drywall",
             "gravel", "plastic-bag", "ceramic", "tile", "carpet", "glass"]


def aux_loss(logits, onset, material, lc):
    pos = onset.sum().item()
    pw = torch.tensor(min((onset.numel() - pos) / max(pos, 1.0), 50.0), device=logits.device)
    l_on = F.binary_cross_entropy_with_logits(logits[..., 0], onset, pos_weight=pw)
    if (material >= 0).any():
        l_mat = F.cross_entropy(logits[..., 1:].reshape(-1, logits.shape[-1] - 1), material.reshape(-1), ignore_index=-1)
    else:
        l_mat = torch.zeros((), device=logits.device)
    return lc["onset"] * l_on + lc["material"] * l_mat


def normalization(clips, bands):
    px = np.concatenate([c["frames"][::7].reshape(-1, 3) for c in clips]).astype(np.float64) / 255.0
    luma = np.array(LUMA)
    diffs = np.concatenate([((c["frames"][1::7].astype(np.float64) - c["frames"][0:-1:7][:len(c["frames"][1::7])]) / 255.0 @ luma).ravel()
                            for c in clips])
    co = np.concatenate([c["coch"] for c in clips]).astype(np.float64)
    return {"pixel_mean": px.mean(0).tolist(), "pixel_std": np.maximum(px.std(0), 1e-2).tolist(),
            "motion_std": max(float(np.sqrt((diffs ** 2).mean())), 1e-3),
            "target_mean": co.mean(0).tolist(), "target_std": np.maximum(co.std(0), 1e-3).tolist()}


def epoch_plan(clips, tc, m, rng):
    w = tc["window"]
    spf = m["steps_per_frame"]
    usable = [min(len(c["frames"]), len(c["coch"]) // spf) for c in clips]
    out = []
    for ci, c in enumerate(clips):
        if usable[ci] < w:
            continue
        for t in c["events"]:
            f = int(math.floor(t * m["fps"]))
            lo = min(tc["min_before"], w - 1)
            hi = max(w - 1 - tc["min_after"], lo)
            pos = rng.randint(lo, hi)
            out.append((ci, min(max(f - pos, 0), usable[ci] - w)))
    n_event = len(out)
    ok = [ci for ci in range(len(clips)) if usable[ci] >= w]
    weights = [usable[ci] for ci in ok]
    n_random = round(n_event * (1 - tc["event_share"]) / max(tc["event_share"], 1e-3)) if n_event else sum(weights) // w
    for ci in rng.choices(ok, weights=weights, k=n_random):
        out.append((ci, rng.randint(0, usable[ci] - w)))
    rng.shuffle(out)
    return [(ci, s, tc["flip"] and rng.random() < 0.5) for ci, s in out]


def make_batch(clips, wins, w, spf, fps):
    fr, tg = [], []
    ts = w * spf
    onset = np.zeros((len(wins), ts), np.float32)
    material = np.full((len(wins), ts), -1, np.int64)
    for wi, (ci, s, flip) in enumerate(wins):
        c = clips[ci]
        idx = np.clip(np.arange(s - 1, s + w + 1), 0, len(c["frames"]) - 1)
        x = c["frames"][idx]
        fr.append(x[:, :, ::-1] if flip else x)
        tg.append(c["coch"][s * spf:(s + w) * spf])
        for t, mat in zip(c["events"], c["materials"]):
            k = int(round(t * fps * spf)) - s * spf
            onset[wi, max(k - 1, 0):max(min(k + 2, ts), 0)] = 1.0
            if mat in MATERIALS:
                material[wi, max(k, 0):max(min(k + 5, ts), 0)] = MATERIALS.index(mat)
    return (torch.from_numpy(np.ascontiguousarray(np.stack(fr))), torch.from_numpy(np.stack(tg).copy()),
            torch.from_numpy(onset), torch.from_numpy(material))


def train_step(net, opt, tc, m, batch, lr):
    """One optimiser step on a batch (frames, target, onset, material); returns the loss."""
    frames, target, onset, material = batch
    pred, _ = net(frames)
    lc = tc["loss"]
    loss = robust_loss(pred, target, lc["eps"], lc["kind"])
    if net.n_aux:
        loss = loss + aux_loss(net.last_aux, onset, material, lc)
    opt.zero_grad()
    loss.backward()
    if tc["grad_clip"] > 0:
        torch.nn.utils.clip_grad_norm_(net.parameters(), tc["grad_clip"])
    for g in opt.param_groups:
        g["lr"] = lr
    opt.step()
    return loss


def lr_at(tc, step, total):
    if step < tc["warmup"]:
        return tc["lr"] * (step + 1) / tc["warmup"]
    x = min((step - tc["warmup"]) / max(total - tc["warmup"], 1), 1.0)
    lo = tc["lr"] * tc["final_lr_share"]
    return lo + (tc["lr"] - lo) * 0.5 * (1 + math.cos(math.pi * x))


@torch.no_grad()
def validate(net, clips, m, eps):
    net.eval()
    dev = next(net.parameters()).device
    tot, n = 0.0, 0
    for c in clips:
        spf = m["steps_per_frame"]
        u = min(len(c["frames"]), len(c["coch"]) // spf)
        idx = np.clip(np.arange(-1, u + 1), 0, u - 1)
        x = torch.from_numpy(np.ascontiguousarray(c["frames"][idx]))[None].to(dev)
        pred, _ = net(x)
        pred = pred.clamp(0, 1)[0]
        tgt = torch.from_numpy(c["coch"][:u * spf].copy()).to(dev)
        tot += torch.log(eps + ((pred - tgt) ** 2).sum(-1)).sum().item()
        n += u * spf
    net.train()
    return tot / max(n, 1)


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().cpu().contiguous().numpy().astype("<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    out = {}
    for name, v in json.loads(b[8:8 + n]).items():
        if name == "__metadata__":
            continue
        s, e = v["data_offsets"]
        out[name] = np.frombuffer(b, dtype=dtypes[v["dtype"]], count=(e - s) // np.dtype(dtypes[v["dtype"]]).itemsize,
                                  offset=8 + n + s).reshape(v["shape"])
    return out


def replay(args, tc, m, train):
    """Redo `foley train --trace`'s steps here: same starting weights and optimiser state (its
    TRACE.init.safetensors checkpoint), same windows, same learning rates. Prints both losses
    per step; exits 1 if they differ by more than --tolerance within the first --steps steps."""
    ck = read_safetensors(os.path.splitext(args.replay)[0] + ".init.safetensors")
    state = json.loads(bytes(ck["state"]).decode())
    norm = state["model_file"]["normalization"]
    net = Net(m, norm)
    net.load_state_dict({k[6:]: torch.from_numpy(v.copy()) for k, v in ck.items() if k.startswith("model.")}, strict=True)
    opt = torch.optim.Adam(net.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"])
    if state["step"] > 0:
        for name, p in net.named_parameters():
            opt.state[p] = {"step": torch.tensor(float(state["step"])), "exp_avg": torch.from_numpy(ck["adam.m." + name].copy()),
                            "exp_avg_sq": torch.from_numpy(ck["adam.v." + name].copy())}
    by_id = {c["id"]: i for i, c in enumerate(train)}
    worst, first_off = 0.0, None
    print(f"{'step':>5}{'foley loss':>14}{'script loss':>14}{'difference':>12}")
    for k, line in enumerate(open(args.replay)):
        r = json.loads(line)
        wins = [(by_id[i], s, f) for i, s, f in r["windows"]]
        batch = make_batch(train, wins, tc["window"], m["steps_per_frame"], m["fps"])
        loss = train_step(net, opt, tc, m, batch, r["lr"])
        d = loss.item() - r["loss"]
        print(f"{r['step']:5d}{r['loss']:14.6f}{loss.item():14.6f}{d:12.2e}", flush=True)
        if k < args.steps:
            worst = max(worst, abs(d))
            if first_off is None and abs(d) > args.tolerance:
                first_off = r["step"]
    print(f"largest difference over the first {args.steps} steps: {worst:.2e} (tolerance {args.tolerance:g})")
    if first_off is not None:
        raise SystemExit(f"replay: the losses differ by more than {args.tolerance:g} from step {first_off}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out")
    ap.add_argument("--config-json", required=True, help="foley's training config as JSON (foley train --print-config)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--replay", help="a `foley train --trace` file: redo its steps and compare the losses")
    ap.add_argument("--steps", type=int, default=10, help="with --replay: steps that must agree")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="with --replay: largest allowed loss difference")
    args = ap.parse_args()
    if not args.replay and not args.out:
        ap.error("give --out RUN (or --replay TRACE)")
    if args.threads:
        torch.set_num_threads(args.threads)
    tc = json.load(open(args.config_json))
    m = tc["model"]
    torch.manual_seed(tc["seed"])
    rng = random.Random(tc["seed"])
    cache = args.cache or os.path.join(args.data, ".foley-cache")
    load = lambda ids: [read_clip(os.path.join(cache, i + ".clip")) for i in ids]
    train = load(read_list(os.path.join(args.data, "train.txt")))
    val = load(read_list(os.path.join(args.data, "val.txt")))
    if not val:  # same rule as foley: every k-th clip by id
        train.sort(key=lambda c: c["id"])
        nv = round(len(train) * tc["val_share"])
        k = len(train) / max(nv, 1)
        picks = {int((i + 0.5) * k) for i in range(nv)}
        val = [c for i, c in enumerate(train) if i in picks]
        train = [c for i, c in enumerate(train) if i not in picks]
    if args.replay:
        return replay(args, tc, m, train)
    norm = normalization(train, m["bands"])
    dev = torch.device(args.device)
    net = Net(m, norm).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"])
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "metrics.jsonl"), "w")
    w, spf, bsz = tc["window"], m["steps_per_frame"], tc["batch"]
    spe = tc.get("steps_per_epoch") or max(len(epoch_plan(train, tc, m, random.Random(0))) // bsz, 1)
    epochs = tc["epochs"] or 10**6  # no epoch limit: the --minutes budget ends the run (as foley)
    total = spe * epochs
    budget = args.minutes * 60
    t_start = time.time()
    step, best, planned, step_time, wait_time = 0, None, False, 0.0, 0.0
    for epoch in range(epochs):
        plan = epoch_plan(train, tc, m, rng)
        for i in range(spe):
            if step >= total or time.time() - t_start >= budget:
                break
            t0 = time.time()
            wins = [plan[(i * bsz + k) % len(plan)] for k in range(bsz)]
            batch = [t.to(dev, non_blocking=True) for t in make_batch(train, wins, w, spf, m["fps"])]
            t1 = time.time()
            loss = train_step(net, opt, tc, m, batch, lr_at(tc, step, total))
            step += 1
            wait_time += t1 - t0
            step_time += time.time() - t0
            if step % tc["log_every"] == 0:
                log.write(json.dumps({"kind": "train", "step": step, "loss": loss.item(), "elapsed_s": time.time() - t_start,
                                      "steps_per_s": step / step_time}) + "\n")
                log.flush()
            if not planned and step == min(20, spe):
                rate = step / (time.time() - t_start)
                total = max(step + 1, min(spe * epochs, step + int((budget - (time.time() - t_start)) * rate * 0.9)))
                planned = True
        vl = validate(net, val, m, tc["loss"]["eps"])
        log.write(json.dumps({"kind": "val", "step": step, "val_loss": vl, "elapsed_s": time.time() - t_start}) + "\n")
        log.flush()
        best = vl if best is None else min(best, vl)
        # The final weights are kept (measured with foley: the lowest validation loss comes
        # early, before hits are placed; a script without an onset metric keeps the last).
        save(net, m, norm, tc, args.out, step, time.time() - t_start)
        rate = step / (time.time() - t_start)
        total = max(step + 1, min(spe * epochs, step + int((budget - (time.time() - t_start)) * rate * 0.95)))
        if step >= total or time.time() - t_start >= budget:
            break
    summary = {"steps": step, "elapsed_s": time.time() - t_start, "steps_per_s": step / max(step_time, 1e-9),
               "data_wait_share": wait_time / max(step_time, 1e-9), "best_val_loss": best}
    json.dump(summary, open(os.path.join(args.out, "summary.json"), "w"))
    print(json.dumps(summary))


def save(net, m, norm, tc, out, step, elapsed):
    write_safetensors(os.path.join(out, "model.safetensors"), dict(net.state_dict()))
    cfg = {"format": "foley-model", "format_version": 2, "crate_version": "baseline_train.py", "model": m,
           "features": {"rate": 20000, "bands": 40, "low": 20.0, "high": 10000.0, "compression": 0.3, "env_rate": 90},
           "normalization": norm, "training": {"by": "tools/baseline_train.py", "step": step, "elapsed_s": elapsed}}
    tmp = os.path.join(out, "config.json.partial")
    json.dump(cfg, open(tmp, "w"), indent=1)
    os.replace(tmp, os.path.join(out, "config.json"))


if __name__ == "__main__":
    main()
