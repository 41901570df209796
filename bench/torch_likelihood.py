"""PyTorch's side of scorenet's likelihood benchmark: log p(x) of a
noise-conditional MLP score model by the probability-flow ODE of the VE SDE,
on the network and points `scorenetbench likelihood` wrote, one JSON line
per case on stdout. Run it through bench/run.sh.

The state of a point is [x (D values), delta], t goes from 0 to 1,
sigma(t) = smin (smax/smin)^t, dx/dt = c(t) s(x, sigma(t)),
d delta/dt = c(t) tr(ds/dx), c(t) = -sigma(t)^2 ln(smax/smin), and
log p = log N(x(1); 0, smax^2 I) + delta(1). The solver is Dormand-Prince
5(4) with scipy RK45's step control, each point with its own t and step,
every unfinished point's stages evaluated in one batch (masks), as
scorenet's internal/ode. float64 throughout.

Environment: LIKDIR (where scorenetbench wrote its files, default
bench/out/likelihood), DIMS (default 2,50), THREADS, IMPL, BUDGET (seconds a
case may take before it is not repeated), REPEATS (at most; default 3), TRACES (default exact,hutchinson),
EXACT (vjp: D vector-Jacobian products on the batch, one graph; batched:
one backward pass over the batch repeated D times; auto: vjp), CHUNK (most
points a network call takes). One evaluation of 1000 points at D = 50 took
0.17 s by D vjps, 0.25 s with autograd.grad(is_grads_batched=True) and
1.0 s forward-mode (forward_ad over the batch repeated D times) on one
thread; a whole solve by `batched` took 1.8-2.7x as long as by `vjp`.
"""

import json
import math
import os
import statistics
import time

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
THREADS = int(os.environ.get("THREADS", "1"))
torch.set_num_threads(THREADS)
BLAS = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")

# Dormand-Prince 5(4): nodes, stages, error weights (b5 - b4), as internal/ode.
C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1]
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
E = [-71 / 57600, 0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40]
SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0


class Net:
    """s(x, sigma) = f([x, log sigma]) / sigma, f an MLP with swish
    (SiLU) after every hidden layer; weights (in, out), biases (1, out)."""

    def __init__(self, files):
        arrays = [torch.from_numpy(np.load(f)) for f in files]
        self.W, self.b = arrays[0::2], [b.reshape(-1) for b in arrays[1::2]]

    def score(self, x, sigma):
        h = torch.cat([x, sigma.log().unsqueeze(1)], 1)
        last = len(self.W) - 1
        for i, (w, b) in enumerate(zip(self.W, self.b)):
            h = torch.addmm(b, h, w)
            if i < last:
                h = torch.nn.functional.silu(h)
        return h * (1 / sigma).unsqueeze(1)


class Field:
    """The augmented right-hand side [c s, c tr(ds/dx)] at per-point t."""

    def __init__(self, net, d, smin, smax, probes, exact_mode, chunk):
        self.net, self.d, self.smin, self.smax = net, d, smin, smax
        self.log_ratio = math.log(smax / smin)
        self.probes, self.exact_mode, self.chunk = probes, exact_mode, chunk

    def __call__(self, y, t, rows):
        d = self.d
        sigma = self.smin * (self.smax / self.smin) ** t
        c = -sigma * sigma * self.log_ratio
        out = torch.empty_like(y)
        for lo in range(0, y.shape[0], self.chunk):
            hi = min(lo + self.chunk, y.shape[0])
            v = None if self.probes is None else self.probes[rows[lo:hi]]
            s, div = self.score_div(y[lo:hi, :d], sigma[lo:hi], v)
            out[lo:hi, :d] = c[lo:hi].unsqueeze(1) * s
            out[lo:hi, d] = c[lo:hi] * div
        return out

    def score_div(self, x, sigma, v):
        d = self.d
        with torch.enable_grad():
            if v is not None:  # Hutchinson: one vjp per probe
                x = x.detach().requires_grad_(True)
                s = self.net.score(x, sigma)
                g = torch.autograd.grad(s, x, grad_outputs=v)[0]
                return s.detach(), (g * v).sum(1)
            if self.exact_mode == "batched":  # the batch repeated D times, one backward pass
                n = x.shape[0]
                xr = x.detach().repeat_interleave(d, 0).requires_grad_(True)
                s = self.net.score(xr, sigma.repeat_interleave(d))
                eye = torch.eye(d).repeat(n, 1)
                g = torch.autograd.grad(s, xr, grad_outputs=eye)[0]
                return s.detach()[::d], (g * eye).sum(1).view(n, d).sum(1)
            x = x.detach().requires_grad_(True)  # D vjps, e_i' ds/dx, on one graph
            s = self.net.score(x, sigma)
            div = torch.zeros(x.shape[0])
            e = torch.zeros_like(s)
            for i in range(d):
                e.zero_()
                e[:, i] = 1
                g = torch.autograd.grad(s, x, grad_outputs=e, retain_graph=i < d - 1)[0]
                div += g[:, i]
            return s.detach(), div


def rms(v, scale):
    q = v / scale
    return (q * q).sum(1).div(v.shape[1]).sqrt()


@torch.no_grad()
def solve(f, y, atol, rtol, t0=0.0, t1=1.0):
    """Integrates every row of y from t0 to t1 (t1 > t0) in place, each row
    with its own steps; returns the evaluations per row."""
    n, m = y.shape
    all_rows = torch.arange(n)
    t = torch.full((n,), t0)
    nfe = torch.zeros(n, dtype=torch.long)
    span = t1 - t0
    k1 = f(y, t, all_rows)
    nfe += 1
    # Hairer's starting step (scipy's select_initial_step), one evaluation.
    scale = atol + y.abs() * rtol
    d0, d1 = rms(y, scale), rms(k1, scale)
    h0 = 0.01 * d0 / d1
    h0 = torch.where((d0 < 1e-5) | (d1 < 1e-5) | h0.isnan(), torch.full_like(h0, 1e-6), h0).clamp(max=span)
    f1 = f(y + h0.unsqueeze(1) * k1, t + h0, all_rows)
    nfe += 1
    d2 = rms(f1 - k1, scale) / h0
    tiny = (d1 <= 1e-15) & (d2 <= 1e-15)
    h1 = torch.where(tiny, torch.clamp(h0 * 1e-3, min=1e-6), (0.01 / torch.maximum(d1, d2)) ** (1 / 5))
    h = torch.minimum(torch.minimum(100 * h0, h1), torch.full_like(h0, span))
    if not bool((h > 0).all()):
        raise RuntimeError("the right-hand side is not finite at the start")
    rejected = torch.zeros(n, dtype=torch.bool)
    done = torch.zeros(n, dtype=torch.bool)
    attempts = 0
    while True:
        idx = (~done).nonzero().squeeze(1)
        if idx.numel() == 0:
            break
        attempts += 1
        if attempts > 100000:
            raise RuntimeError("more than 100000 steps")
        yi, ti, hi = y[idx], t[idx], h[idx]
        left = t1 - ti
        last = hi >= left
        hs = torch.where(last, left, hi)
        hcol = hs.unsqueeze(1)
        K = [k1[idx]]
        for st in range(1, 7):
            acc = torch.zeros_like(yi)
            for q in range(st):
                acc += A[st][q] * K[q]
            ys = yi + hcol * acc
            K.append(f(ys, ti + C[st] * hs, idx))
        nfe[idx] += 6
        y5 = ys
        e = torch.zeros_like(yi)
        for q in range(7):
            e += E[q] * K[q]
        err = hcol * e
        scale = atol + rtol * torch.maximum(yi.abs(), y5.abs())
        norm = rms(err, scale)
        ok = norm <= 1  # NaN: rejected
        powed = SAFETY * norm ** -0.2
        grow = torch.where(norm > 0, powed.clamp(max=MAX_FACTOR), torch.full_like(norm, MAX_FACTOR))
        grow = torch.where(rejected[idx], grow.clamp(max=1), grow)
        shrink = torch.where(norm.isfinite(), powed.clamp(min=MIN_FACTOR), torch.full_like(norm, MIN_FACTOR))
        h[idx] = hs * torch.where(ok, grow, shrink)
        rejected[idx] = ~ok
        acc_rows = idx[ok]
        y[acc_rows] = y5[ok]
        k1[acc_rows] = K[6][ok]
        t[acc_rows] = torch.where(last[ok], torch.full_like(ti[ok], t1), ti[ok] + hs[ok])
        done[acc_rows] = last[ok]
    return nfe


def log_likelihood(man, x, trace, probes, exact_mode, chunk):
    d, smin, smax = man["d"], man["sigma_min"], man["sigma_max"]
    net = Net(man["weights"])
    f = Field(net, d, smin, smax, probes if trace == "hutchinson" else None, exact_mode, chunk)
    y = torch.cat([x, torch.zeros(x.shape[0], 1)], 1)
    nfe = solve(f, y, man["atol"], man["rtol"])
    z = y[:, :d]
    v = smax * smax
    prior = -0.5 * d * math.log(2 * math.pi * v) - (z * z).sum(1) / (2 * v)
    return prior + y[:, d], nfe


def main():
    root = os.environ.get("LIKDIR", "bench/out/likelihood")
    dims = [int(d) for d in os.environ.get("DIMS", "2,50").split(",")]
    impl = os.environ.get("IMPL", "pytorch")
    budget = float(os.environ.get("BUDGET", "10"))
    repeats = int(os.environ.get("REPEATS", "3"))
    exact_mode = os.environ.get("EXACT", "auto")
    if exact_mode == "auto":
        exact_mode = "vjp"
    chunk = int(os.environ.get("CHUNK", "100000"))
    traces = os.environ.get("TRACES", "exact,hutchinson").split(",")
    for d in dims:
        with open(os.path.join(root, f"d{d}.json")) as fh:
            man = json.load(fh)
        points = torch.from_numpy(np.load(man["points"]))
        probes = torch.from_numpy(np.load(man["probes"]))
        for case in man["cases"]:
            trace, n = case["trace"], case["points"]
            if trace not in traces:
                continue
            x = points[:n].clone()
            runs = []
            while len(runs) < max(1, repeats) and (not runs or sum(runs) < budget):
                start = time.perf_counter()
                logp, nfe = log_likelihood(man, x, trace, probes[:n], exact_mode, chunk)
                runs.append(time.perf_counter() - start)
            ref = torch.from_numpy(np.load(case["logp"])).reshape(-1)
            diff = logp - ref
            nfe = nfe.double()
            r = {"impl": impl, "case": "likelihood", "d": d, "trace": trace, "points": n,
                 "seconds": statistics.median(runs), "runs": runs,
                 "nfe_mean": nfe.mean().item(), "nfe_max": int(nfe.max().item()),
                 "logp_mean": logp.mean().item(),
                 "logp_mean_diff": diff.mean().item(), "logp_max_abs_diff": diff.abs().max().item(),
                 "threads": THREADS, "blas": BLAS}
            if trace == "hutchinson":
                r["probes"] = 1
            else:
                r["exact"] = exact_mode
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
