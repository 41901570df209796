#!/usr/bin/python3
"""Real tables with columns of names (R's factors), as a new user meets them.

Each table comes from an R package Debian ships (palmerpenguins, ggplot2,
carData, MASS), written by R's own write.csv, as an R user writes one (a
quoted header, the row names first, NA for a missing value). Its rows
with a missing value are left out and split 80/20 once (seed 0); the
80% is written back by write.csv's rules (pandas' to_csv with its index),
and then, with nothing set:

    scorenet train  -data train.csv -out DIR
    scorenet sample -run DIR -n 1000 -out samples.csv

The samples are compared with the training rows:

  numbers     over the numeric columns, as bench/real_tables.py: the
              smallest share inside the column's range, the largest mean
              gap and std gap (in the data's standard deviations)
  levels      over the columns of names, the largest total variation
              distance between the samples' shares of the levels and the
              data's (0: the same shares; 1: none in common)
  copy's      the same distance for 1000 rows drawn with replacement from
              the training rows (a perfect copy of them), median of 100
  pairs       over pairs of columns of names, the largest share of samples
              whose pair of levels no training row holds (a Chinstrap
              penguin on Biscoe island)
  held pairs  the same share for the held-out rows (new data meets some)
  nearest     median distance from a sample to its nearest training row
              over that of a held-out row (numbers standardised, each
              level a 0/1 column)
  2-sample    5-fold accuracy of a random forest (200 trees) telling
              held-out rows from as many samples, on that encoding; 0.5 is
              indistinguishable

Usage (needs Debian's python3-sklearn, python3-pandas, r-base-core and
r-cran-palmerpenguins r-cran-ggplot2 r-cran-cardata r-cran-mass):

    go build -o /tmp/scorenet ./cmd/scorenet
    /usr/bin/python3 bench/category_tables.py /tmp/scorenet [WORKDIR] [SETS...]

Extra arguments after `--` go to `scorenet train`.
"""
import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_tables  # noqa: E402  (its runner and command line)

# name: (R package, data set, columns to leave out: ids and free text)
TABLES = {
    "penguins": ("palmerpenguins", "penguins", []),
    "mpg": ("ggplot2", "mpg", ["model"]),
    "salaries": ("carData", "Salaries", []),
    "titanic": ("carData", "TitanicSurvival", []),
    "mroz": ("carData", "Mroz", []),
    "survey": ("MASS", "survey", []),
    "slid": ("carData", "SLID", []),
    "diamonds": ("ggplot2", "diamonds", []),
}
DEFAULT_SETS = ["penguins", "mpg", "salaries", "titanic", "mroz", "survey", "slid"]


def r_table(package, name, d):
    """The data set as R's write.csv writes it, read back by pandas."""
    path = os.path.join(d, "r.csv")
    code = f'suppressMessages(library({package})); data({name}, package="{package}"); write.csv(as.data.frame({name}), "{path}")'
    p = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"category_tables: R could not write {package}::{name} (apt-get install r-base-core r-cran-{package.lower()}):\n{p.stderr}")
    return pd.read_csv(path, index_col=0)


def split(df, d, drop):
    df = df.drop(columns=drop).dropna()
    if len(df) > 5000:  # diamonds: 53940 rows; a sample of them trains in minutes
        df = df.sample(5000, random_state=0)
    perm = np.random.default_rng(0).permutation(len(df))
    cut = int(0.8 * len(df))
    train, held = df.iloc[perm[:cut]], df.iloc[perm[cut:]]
    csv = os.path.join(d, "train.csv")
    train.to_csv(csv)  # with the row names first, as write.csv
    return train, held, csv


def encode(frame, names, numbers, mu, sd, levels):
    parts = [(frame[numbers].to_numpy(float) - mu) / sd]
    for c in names:
        parts.append(np.stack([(frame[c].astype(str) == v).to_numpy(float) for v in levels[c]], axis=1))
    return np.hstack(parts)


def verdict(train, held, samples):
    names = [c for c in train.columns if train[c].dtype == object or str(train[c].dtype) == "bool"]
    numbers = [c for c in train.columns if c not in names]
    for c in names:
        train[c], held[c], samples[c] = train[c].astype(str), held[c].astype(str), samples[c].astype(str)
    v = {}
    x, s = train[numbers].to_numpy(float), samples[numbers].to_numpy(float)
    mu, sd = x.mean(0), np.where(x.std(0) > 0, x.std(0), 1)
    if numbers:
        v["in_range"] = float(((s >= x.min(0)) & (s <= x.max(0))).mean(0).min())
        v["mean_gap"] = float((np.abs(s.mean(0) - mu) / sd).max())
        v["std_gap"] = float(np.abs(s.std(0) / sd - 1).max())
    tv = lambda a, b, c: 0.5 * (a[c].value_counts(normalize=True).subtract(b[c].value_counts(normalize=True), fill_value=0).abs().sum())
    v["levels"] = max(tv(samples, train, c) for c in names)
    rng = np.random.default_rng(1)
    v["copy_levels"] = float(np.median([max(tv(train.iloc[rng.integers(0, len(train), len(samples))], train, c) for c in names) for _ in range(100)]))
    seen = lambda a, pair: (a[list(pair)].apply(tuple, axis=1)).isin(set(train[list(pair)].apply(tuple, axis=1)))
    pairs = list(itertools.combinations(names, 2))
    v["pairs"] = float(max((1 - seen(samples, p).mean() for p in pairs), default=0))
    v["held_pairs"] = float(max((1 - seen(held, p).mean() for p in pairs), default=0))
    levels = {c: sorted(train[c].unique()) for c in names}
    z = lambda f: encode(f, names, numbers, mu, sd, levels)
    nn = NearestNeighbors(n_neighbors=1).fit(z(train))
    near_s, near_h = np.median(nn.kneighbors(z(samples))[0]), np.median(nn.kneighbors(z(held))[0])
    v["nearest_ratio"] = float(near_s / near_h) if near_h > 0 else float("nan")
    m = min(len(held), len(samples))
    pick = samples.iloc[np.random.default_rng(0).choice(len(samples), size=m, replace=False)]
    new = held.iloc[np.random.default_rng(0).choice(len(held), size=m, replace=False)]
    rf = RandomForestClassifier(n_estimators=200, random_state=0)
    v["two_sample"] = float(cross_val_score(rf, np.vstack([z(new), z(pick)]), np.r_[np.zeros(m), np.ones(m)], cv=5).mean())
    return v


def main():
    binary, work, sets, extra = real_tables.parse_args(__doc__, "/tmp/category_tables", DEFAULT_SETS)
    print("| data | rows | numbers, names | in range | mean gap | std gap | levels (copy's) | pairs (held) | nearest | two-sample | train |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in sets:
        package, dataset, drop = TABLES[name]
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        train, held, csv = split(r_table(package, dataset, d), d, drop)
        run_dir = os.path.join(d, "run")
        subprocess.run(["rm", "-rf", run_dir])
        t_train, _ = real_tables.run([binary, "train", "-data", csv, "-out", run_dir] + extra)
        out = os.path.join(d, "samples.csv")
        real_tables.run([binary, "sample", "-run", run_dir, "-n", "1000", "-out", out])
        # sample writes the data's header row (data.columns) since
        # 2026-12-07; a binary from before writes none
        with_header = open(out).readline().strip().split(",") == [f'"{c}"' if "," in c else c for c in train.columns]
        samples = pd.read_csv(out) if with_header else pd.read_csv(out, header=None, names=list(train.columns))
        samples.columns = list(train.columns)
        # R writes a logical as TRUE/FALSE, pandas reads it as bool: as text
        v = verdict(train.copy(), held.copy(), samples)
        v.update(name=name, train_s=t_train)
        with open(os.path.join(d, "verdict.json"), "w") as f:
            json.dump(v, f, indent=1)
        k = sum(1 for c in train.columns if train[c].dtype == object or str(train[c].dtype) == "bool")
        f = lambda key, fmt="{:.2f}": fmt.format(v[key]) if key in v else "-"
        print(f"| {name} | {len(train)} | {train.shape[1] - k}, {k} | {f('in_range', '{:.1%}')} | {f('mean_gap')} | {f('std_gap')} | "
              f"{v['levels']:.3f} ({v['copy_levels']:.3f}) | {v['pairs']:.3f} ({v['held_pairs']:.3f}) | {v['nearest_ratio']:.2f} | {v['two_sample']:.2f} | {t_train:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
