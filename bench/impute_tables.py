#!/usr/bin/python3
"""Issue 23's table-imputation line, measured as a new user would meet it.

For each real table (scikit-learn's bundled wine and breast cancer by
default; iris and diabetes too where named) it splits the rows 80/20 once
as bench/real_tables.py does, trains with nothing set

    scorenet train  -data train.csv -out DIR

removes 20% of the held-out rows' entries completely at random (seed 1; a
row keeps at least one entry), and fills them in with

    scorenet impute -run DIR -in holes.csv -out filled.csv -draws draws.csv

with its defaults. It reports the RMSE over the removed entries, in the
training rows' per-column standard deviations, of scorenet's estimate (the
mean of its draws), of the column means and of k-nearest-neighbour
imputation (scikit-learn's KNNImputer, k = 5, on standardised columns, its
neighbours among the training rows); the share of removed values inside
the 5th-95th percentile of their draws (a 90% interval); and the times.

    go build -o /tmp/scorenet ./cmd/scorenet
    /usr/bin/python3 bench/impute_tables.py /tmp/scorenet [WORKDIR] [SETS...]

A run already trained in WORKDIR/SET/run is reused (delete it to retrain).
"""
import os
import subprocess
import sys
import time

import numpy as np

import real_tables
from sklearn.impute import KNNImputer


def tables():
    return real_tables.tables()


def run(cmd):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"impute_tables: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return time.time() - t


def holes(held, rng):
    mask = rng.random(held.shape) < 0.2
    for r in np.where(mask.all(1))[0]:  # a row keeps one entry
        mask[r, rng.integers(held.shape[1])] = False
    return mask


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    binary = args[0]
    work = args[1] if len(args) > 1 else "/tmp/impute_tables"
    names = args[2:] or ["wine", "breast_cancer"]
    print("| data | D | training rows | held-out rows | entries removed | RMSE scorenet | RMSE column mean | RMSE 5-NN | 90% interval coverage | train | impute |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        train, held, csv = real_tables.split(tables()[name](), os.path.join(work, name))
        d, cut = os.path.dirname(csv), len(train)
        run_dir = os.path.join(d, "run")
        t_train = float("nan")
        if not os.path.isdir(run_dir):
            t_train = run([binary, "train", "-data", csv, "-out", run_dir])
        mask = holes(held, np.random.default_rng(1))
        given = np.where(mask, np.nan, held)
        hole_csv = os.path.join(d, "holes.csv")
        with open(hole_csv, "w") as f:
            for row in given:
                f.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")
        filled_csv, draws_csv = os.path.join(d, "filled.csv"), os.path.join(d, "draws.csv")
        t_impute = run([binary, "impute", "-run", run_dir, "-in", hole_csv, "-out", filled_csv, "-draws", draws_csv])
        filled = np.loadtxt(filled_csv, delimiter=",", ndmin=2)
        draws = np.loadtxt(draws_csv, delimiter=",", ndmin=2)
        k = len(draws) // len(held)
        draws = draws.reshape(len(held), k, held.shape[1])
        assert np.array_equal(filled[~mask], held[~mask]), "given entries changed"
        mu, sd = train.mean(0), train.std(0)
        z = lambda a: (a - mu) / sd
        err = lambda est: float(np.sqrt(np.mean(((z(est) - z(held))[mask]) ** 2)))
        knn = KNNImputer(n_neighbors=5).fit(z(train))
        knn_est = knn.transform(z(given)) * sd + mu
        lo, hi = np.quantile(draws, 0.05, axis=1), np.quantile(draws, 0.95, axis=1)
        cover = float(np.mean(((held >= lo) & (held <= hi))[mask]))
        print(f"| {name} | {held.shape[1]} | {cut} | {len(held)} | {mask.sum()} | {err(filled):.3f} | "
              f"{err(np.broadcast_to(mu, held.shape)):.3f} | {err(knn_est):.3f} | {cover:.2f} | {t_train:.1f} s | {t_impute:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
