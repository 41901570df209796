"""Which Fashion-MNIST classes a set of samples shows, by a small CNN
trained on the data set's labels: a check of "samples of every class" that
does not depend on whoever looks at the grid. Not part of scorenet (it
needs PyTorch); docs/CONFIG.md's Fashion-MNIST figures quote its output.

Usage: /usr/bin/python3 bench/fashion_classes.py SAMPLES.npy [...]
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


def report(name, net, x, reference):
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


def main():
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
    for path in sys.argv[1:]:
        report(path, net, np.load(path).reshape(-1, 784), reference)


if __name__ == "__main__":
    main()
