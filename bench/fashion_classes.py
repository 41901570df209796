"""Which Fashion-MNIST classes a set of samples shows, by a small CNN
trained on the data set's labels: a check of "samples of every class" that
does not depend on whoever looks at the grid. Not part of scorenet (it
needs PyTorch); docs/CONFIG.md's Fashion-MNIST figures quote its output.

Usage: /usr/bin/python3 bench/fashion_classes.py [--class SPEC] [--labels LABELS.txt] SAMPLES.npy [...]
SAMPLES.npy holds one flattened 28x28 image per row, pixels in [0, 1], as
`scorenet sample -out` writes them. The classifier trains for EPOCHS
(default 2) on the 60000 training images with SEED (default 0), prints
its accuracy on the 10000 test images, then for each file: the share of
samples per class, the classes with no sample, the median confidence
(the softmax's largest value), and the Frechet distance between the first
2000 samples and 2000 test images in the space of the classifier's
128 features (its last hidden layer), beside the same for 1000 test images
and two fixed baselines: 2000 training images (near 0: real images) and
2000 draws from a Gaussian fitted to the training pixels (what samples
with the right pixel moments and no structure get). This Frechet distance
is FID's formula on this small classifier's features, not FID: its numbers
are comparable only with each other.

Class-conditional samples (`scorenet sample -class SPEC`): --class SPEC
gives the class each row was asked for, as scorenet's -class does: `all`
(row c has class c mod 10), a class `K` (0-9, or its name below, e.g.
Sandal), or a list `K1,K2,...` (row c has class list[c mod len(list)]).
It applies to every SAMPLES.npy after it on the command line, until the
next --class (`--class none` ends it). --labels LABELS.txt, a text file of
one integer class a line, one line per row, gives the classes of the next
SAMPLES.npy alone, in place of --class: use it where scorenet warned that
chains diverged and were left out, since rows then no longer line up with
chains. For such a file the report adds the agreement: the share of
samples the classifier assigns to their requested class, overall and in a
table with a row per class (samples asked for in it, the share assigned
to it, their median confidence, and the other class they were most often
assigned to, with its share). Compare the agreement with the classifier's
test accuracy (printed first): real images of the requested classes score
about that, samples that ignore the class about 0.1.
Data: DATA, default /usr/share/datasets/fashion-mnist (Debian's
dataset-fashion-mnist package).
"""

import gzip
import os
import sys

import numpy as np
import torch
from torch import nn

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def classifier():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def features(net, x):
    """The classifier's 128 features (after the last hidden ReLU)."""
    with torch.no_grad():
        return net[:-1](torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28)).numpy().astype(np.float64)


def frechet(a, b):
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    from scipy import linalg
    ma, mb = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root, _ = linalg.sqrtm(sa @ sb, disp=False)
    return float(((ma - mb) ** 2).sum() + np.trace(sa + sb - 2 * root.real))


def report(name, net, x, reference, wanted=None):
    with torch.no_grad():
        p = torch.softmax(net(torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28)), 1).numpy()
    label, conf = p.argmax(1), p.max(1)
    counts = np.bincount(label, minlength=10)
    shares = ", ".join(f"{CLASSES[c]} {counts[c] / len(x):.3f}" for c in range(10))
    missing = [CLASSES[c] for c in range(10) if counts[c] == 0]
    fd = frechet(features(net, x[:2000]), reference)
    print(f"{name}: {len(x)} images; median confidence {np.median(conf):.3f}; "
          f"classes missing: {', '.join(missing) or 'none'}; Frechet distance to 2000 test images {fd:.2f}"
          f"{' (fewer than 2000 images: biased upwards)' if len(x) < 2000 else ''}")
    print(f"  {shares}")
    if wanted is not None:
        agreement(label, conf, wanted)


def agreement(label, conf, wanted):
    """The share of samples assigned to their requested class, overall and
    per requested class."""
    hit = label == wanted
    print(f"  agreement with the requested classes: {hit.mean():.3f} ({hit.sum()} of {len(hit)})")
    width = max(len(c) for c in CLASSES + ["requested class"])
    print(f"    {'requested class':<{width}}  samples  agreement  median confidence  most common other class")
    for c in range(10):
        mine = wanted == c
        n = int(mine.sum())
        if n == 0:
            print(f"    {CLASSES[c]:<{width}}  {0:7d}  {'-':>9}  {'-':>17}  -")
            continue
        other = np.bincount(label[mine & ~hit], minlength=10)
        most = (f"{CLASSES[other.argmax()]} {other.max() / n:.3f}" if other.sum() else "-")
        print(f"    {CLASSES[c]:<{width}}  {n:7d}  {hit[mine].mean():9.3f}  {np.median(conf[mine]):17.3f}  {most}")


def classes(spec):
    """The class list of a --class SPEC, as scorenet's -class reads it."""
    if spec == "all":
        return list(range(10))
    out = []
    for f in spec.split(","):
        f = f.strip()
        if f in CLASSES:
            out.append(CLASSES.index(f))
        elif f in [str(c) for c in range(10)]:
            out.append(int(f))
        else:
            sys.exit(f"--class {spec}: {f!r} is not a class: want all, none, or classes from 0 to 9 "
                     f"or their names ({', '.join(CLASSES)}) separated by commas")
    return out


def arguments(argv):
    """The samples files with the requested class of each row (None where
    no class was given), checked before the classifier trains."""
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        sys.exit(0)
    files, spec, labels, unused = [], None, None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, value = a.partition("=")
        if name in ("--class", "--labels"):
            if not eq:
                if i + 1 == len(argv):
                    sys.exit(f"{a}: give its value")
                i, value = i + 1, argv[i + 1]
            if name == "--class":
                spec = None if value == "none" else classes(value)
                unused = value
            else:
                if labels is not None:
                    sys.exit(f"--labels {value}: the --labels before it has no samples file")
                try:
                    labels = np.loadtxt(value, dtype=np.int64, ndmin=1)
                except (OSError, ValueError) as e:
                    sys.exit(f"--labels {value}: {e}")
                if len(labels) and (labels.min() < 0 or labels.max() > 9):
                    sys.exit(f"--labels {value}: labels must be classes 0 to 9")
                labels_name = value
        elif a.startswith("-") and a != "-":
            sys.exit(f"{a}: unknown option (see --help)")
        else:
            try:
                rows = np.load(a, mmap_mode="r").reshape(-1, 784).shape[0]
            except (OSError, ValueError) as e:
                sys.exit(f"{a}: {e}")
            wanted = None
            if labels is not None:
                if len(labels) != rows:
                    sys.exit(f"--labels {labels_name}: {len(labels)} labels for the {rows} rows of {a}")
                wanted, labels = labels, None
            elif spec is not None:
                wanted = np.array([spec[c % len(spec)] for c in range(rows)], dtype=np.int64)
            files.append((a, wanted))
            unused = None
        i += 1
    if labels is not None:
        sys.exit(f"--labels {labels_name}: no samples file follows it")
    if unused is not None:
        sys.exit(f"--class {unused}: no samples file follows it")
    return files


def main():
    files = arguments(sys.argv[1:])
    data = os.environ.get("DATA", "/usr/share/datasets/fashion-mnist")
    torch.manual_seed(int(os.environ.get("SEED", "0")))
    xs = idx(f"{data}/train-images-idx3-ubyte.gz").astype(np.float32) / 255
    ys = idx(f"{data}/train-labels-idx1-ubyte.gz").astype(np.int64)
    xt = idx(f"{data}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    yt = idx(f"{data}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    net = classifier()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x, y = torch.tensor(xs).unsqueeze(1), torch.tensor(ys)
    for _ in range(int(os.environ.get("EPOCHS", "2"))):
        for b in torch.randperm(len(x)).split(128):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[b]), y[b]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        acc = (net(torch.tensor(xt).unsqueeze(1)).argmax(1).numpy() == yt).mean()
    print(f"classifier: test accuracy {acc:.3f}")
    reference = features(net, xt[-2000:].reshape(-1, 784))
    report("test images", net, xt[:1000].reshape(-1, 784), reference)
    report("baseline: training images", net, xs[:2000].reshape(-1, 784), reference)
    flat = xs.reshape(-1, 784).astype(np.float64)
    rng = np.random.default_rng(0)
    gauss = rng.multivariate_normal(flat.mean(0), np.cov(flat, rowvar=False), 2000, method="eigh")
    report("baseline: Gaussian fitted to the training pixels", net, np.clip(gauss, 0, 1).astype(np.float32), reference)
    for path, wanted in files:
        report(path, net, np.load(path).reshape(-1, 784), reference, wanted)


if __name__ == "__main__":
    main()
