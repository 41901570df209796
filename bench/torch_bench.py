"""PyTorch's side of scorenet's benchmark: the same models, losses, batch,
optimiser and sampler as `scorenetbench measure`, timed the same way, one
JSON line per case on stdout. Run it through bench/run.sh."""

import json
import math
import os
import time

import torch

torch.set_default_dtype(torch.float64)
THREADS = int(os.environ.get("THREADS", "1"))
torch.set_num_threads(THREADS)
BATCH, CHAINS, HIDDEN = 128, 1280, 128
POOL_ROWS = 4096  # the image-size step draws its batches from this many rows
BLAS = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")


# scorenet's activations by their config names.
ACTIVATIONS = {"softplus": torch.nn.Softplus, "tanh": torch.nn.Tanh, "elu": torch.nn.ELU,
               "swish": torch.nn.SiLU, "sigmoid": torch.nn.Sigmoid}


def mlp(d_in, d_out, activation="softplus", hidden=HIDDEN):
    act = ACTIVATIONS[activation]
    return torch.nn.Sequential(
        torch.nn.Linear(d_in, hidden), act(),
        torch.nn.Linear(hidden, hidden), act(),
        torch.nn.Linear(hidden, d_out))


def exact(model, x):
    x.requires_grad_(True)
    s = model(x)
    trace = 0
    for i in range(x.shape[1]):  # one backward pass per dimension, as scorenet
        g = torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0]
        trace = trace + g[:, i]
    return (trace + 0.5 * (s ** 2).sum(1)).mean()


def sliced(model, x):
    x.requires_grad_(True)
    v = torch.randn_like(x)
    s = model(x)
    sv = (s * v).sum(1)
    g = torch.autograd.grad(sv.sum(), x, create_graph=True)[0]
    return ((g * v).sum(1) + 0.5 * sv ** 2).mean()


SIGMAS = torch.tensor([math.exp(math.log(1) + i * (math.log(0.01) - math.log(1)) / 9) for i in range(10)])


def anneal_dsm(model, x):
    sigma = SIGMAS[torch.randint(0, 10, (x.shape[0],))].unsqueeze(1).to(x.dtype)
    z = torch.randn_like(x)
    xt = x + sigma * z
    s = model(torch.cat([xt, sigma.log()], 1)) / sigma  # s(x, sigma) = f([x, log sigma]) / sigma
    return 0.5 * ((sigma * s + z) ** 2).sum(1).mean()   # lambda(sigma) = sigma^2


def time_it(budget, step):
    for _ in range(3):
        step()
    start, n = time.perf_counter(), 0
    while n < 5 or time.perf_counter() - start < budget:
        step()
        n += 1
    return (time.perf_counter() - start) / n


def train_case(name, d, budget):
    loss_fn = {"exact": exact, "sliced": sliced, "anneal_dsm": anneal_dsm}[name]
    torch.manual_seed(1)
    model = mlp(d + (1 if name == "anneal_dsm" else 0), d)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        x = torch.randn(BATCH, d)
        opt.zero_grad(set_to_none=True)
        loss_fn(model, x).backward()
        opt.step()

    per = time_it(budget, step)
    return {"case": name, "d": d, "ms_per_step": per * 1000}


def large_train_case(budget, dtype=torch.float64):
    """anneal_dsm at image size: D = 784, MLP 785-1024-1024-784, swish."""
    torch.manual_seed(1)
    model = mlp(785, 784, "swish", 1024).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    # Each step's batch is rows drawn from a fixed set, as training draws
    # them from its data (scorenetbench does the same).
    pool = torch.randn(POOL_ROWS, 784, dtype=dtype)

    def step():
        x = pool[torch.randint(0, POOL_ROWS, (BATCH,))]
        opt.zero_grad(set_to_none=True)
        anneal_dsm(model, x).backward()
        opt.step()

    per = time_it(budget, step)
    return {"case": "anneal_dsm-large" + suffix(dtype), "d": 784, "ms_per_step": per * 1000}


def suffix(dtype):
    """The case name's mark of a float32 case, as scorenetbench names it."""
    return "-f32" if dtype == torch.float32 else ""


def large_sampling_case(budget, dtype=torch.float64):
    """One annealed Langevin step of 1000 chains of that model, at sigma 1."""
    torch.manual_seed(1)
    model = mlp(785, 784, "swish", 1024).to(dtype)
    chains, eps = 1000, 1e-4
    x = torch.rand(chains, 784, dtype=dtype)
    log_sigma = torch.zeros(chains, 1, dtype=dtype)

    @torch.no_grad()
    def step():
        nonlocal x
        x = x + eps / 2 * model(torch.cat([x, log_sigma], 1)) + math.sqrt(eps) * torch.randn_like(x)

    per = time_it(budget, step)
    return {"case": "annealed-large" + suffix(dtype), "d": 784, "ms_per_step": per * 1000, "chain_steps_per_sec": chains / per}


def langevin_case(budget, activation):
    torch.manual_seed(1)
    model = mlp(2, 2, activation)
    x = torch.rand(CHAINS, 2) * 16 - 8
    eps = 0.01

    @torch.no_grad()
    def step():
        nonlocal x
        x = x + eps / 2 * model(x) + math.sqrt(eps) * torch.randn_like(x)

    per = time_it(budget, step)
    return {"case": "langevin-" + activation, "d": 2, "ms_per_step": per * 1000, "chain_steps_per_sec": CHAINS / per}


def main():
    budget = float(os.environ.get("BUDGET", "2"))
    dims = [int(d) for d in os.environ.get("DIMS", "2,10,50").split(",")]
    impl = os.environ.get("IMPL", "pytorch")
    emit = lambda r: print(json.dumps({"impl": impl, "blas": BLAS, "threads": THREADS, **r}), flush=True)
    if os.environ.get("ONLY") == "large-f32":  # bench/run.sh's repeats of the image-size float32 cases
        emit(large_train_case(budget, torch.float32))
        emit(large_sampling_case(budget, torch.float32))
        return
    for name in ("exact", "sliced", "anneal_dsm"):
        for d in dims:
            emit(train_case(name, d, budget))
    for activation in ACTIVATIONS:
        emit(langevin_case(budget, activation))
    if os.environ.get("LARGE") == "1":
        for dtype in (torch.float64, torch.float32):
            emit(large_train_case(budget, dtype))
            emit(large_sampling_case(budget, dtype))


if __name__ == "__main__":
    main()
