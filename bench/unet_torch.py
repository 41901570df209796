# The U-Net of configs/fashion_mnist_unet.yaml in PyTorch, for timing one
# training step (forward, backward, Adam) beside scorenet's
# `go test ./internal/unet -run XXX -bench Step -cpu N` on the same CPU.
# Usage: /usr/bin/python3 bench/unet_torch.py THREADS 32,64 [BATCH]
import torch, time, sys, math
import torch.nn as nn
import torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]))
ch = [int(c) for c in sys.argv[2].split(',')]
B = int(sys.argv[3]) if len(sys.argv) > 3 else 64
G, E, Fq = 8, 4*ch[0], 16
class Block(nn.Module):
    def __init__(s, i, o):
        super().__init__()
        s.n0, s.c0, s.e = nn.GroupNorm(G, i), nn.Conv2d(i, o, 3, padding=1), nn.Linear(E, o)
        s.n1, s.c1 = nn.GroupNorm(G, o), nn.Conv2d(o, o, 3, padding=1)
        s.skip = nn.Conv2d(i, o, 1) if i != o else None
    def forward(s, x, e):
        h = s.c0(F.silu(s.n0(x))) + s.e(e)[:, :, None, None]
        h = s.c1(F.silu(s.n1(h)))
        return h + (s.skip(x) if s.skip is not None else x)
class UNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.e0, s.e1 = nn.Linear(2*Fq, E), nn.Linear(E, E)
        s.inc = nn.Conv2d(1, ch[0], 3, padding=1)
        s.down = nn.ModuleList(); p = ch[0]
        for c in ch: s.down.append(Block(p, c)); p = c
        s.mid = Block(p, p)
        s.up = nn.ModuleList()
        for c in reversed(ch): s.up.append(Block(p + c, c)); p = c
        s.no, s.outc = nn.GroupNorm(G, ch[0]), nn.Conv2d(ch[0], 1, 3, padding=1)
        s.freq = 0.5 * 128 ** (torch.arange(Fq) / (Fq - 1))
    def forward(s, x, sig):
        t = torch.log(sig)[:, None] / 4 * s.freq[None]
        e = F.silu(s.e1(F.silu(s.e0(torch.cat([torch.sin(t), torch.cos(t)], 1)))))
        h = s.inc(x); skips = []
        for i, b in enumerate(s.down):
            h = b(h, e); skips.append(h)
            if i < len(s.down) - 1: h = F.avg_pool2d(h, 2)
        h = s.mid(h, e)
        for j, b in enumerate(s.up):
            i = len(ch) - 1 - j
            h = b(torch.cat([h, skips[i]], 1), e)
            if i > 0: h = F.interpolate(h, scale_factor=2, mode='nearest')
        return s.outc(F.silu(s.no(h)))
m = UNet(); opt = torch.optim.Adam(m.parameters(), 2e-4)
x = torch.randn(B, 1, 28, 28); sig = torch.exp(torch.randn(B))
def step():
    opt.zero_grad(); out = m(x, sig); loss = (out ** 2).sum(); loss.backward(); opt.step()
for _ in range(3): step()
ts = []
for _ in range(8):
    t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
ts.sort(); print(f"torch {torch.__version__} threads {sys.argv[1]} ch {ch} batch {B}: median {ts[len(ts)//2]*1000:.0f} ms/step")
