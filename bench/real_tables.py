#!/usr/bin/python3
"""Issue 20's first "Done when" line, measured as a new user would meet it.

For each real table (scikit-learn's bundled iris, wine, breast cancer and
diabetes, and two-moons and a 2-D swiss roll from its generators) it splits
the rows 80/20 once (seed 0), writes the 80% to train.csv, runs

    scorenet train  -data train.csv -out DIR
    scorenet sample -run DIR -n 1000 -out samples.csv

with nothing set, and compares the samples with the data:

  in range   the smallest share, over columns, of sample values inside the
             column's training range; in brackets, what a perfect sampler
             of the table's population would read (new rows' values over
             300 random splits, averaged per column, at the smallest): on
             a few dozen rows a new row's value falls outside the
             training rows' range often enough to miss 95% by itself
  mean gap   the largest |sample mean - data mean| / data std over columns
  std gap    the largest |sample std / data std - 1| over columns
  nearest    median distance from a sample to its nearest training row over
             that of a held-out row (columns standardised by the training
             rows): below 1, samples sit nearer the training rows than new
             data does (memorised); above 1, they are diffuse. "n/a"
             where most held-out rows repeat a training row (the median
             is 0): the verdict.json then compares the shares of samples
             and held-out rows that repeat one ("repeats", "held_repeats")
  2-sample   5-fold accuracy of a random forest (200 trees) telling held-out
             rows from as many samples; 0.5 is indistinguishable
  copy's std gap
             the std gap of 1000 rows drawn with replacement from the
             training rows (a perfect copy of them), median over 100 draws:
             how much of the std gap 1000 samples cannot see (a heavy tail
             of a few rows moves it by 0.1 and more)
  new rows' nearest
             the nearest ratio a perfect sampler would read on this split:
             the held-out rows' median distance over 300 other 80/20
             splits, at their median, over this split's. A few dozen
             held-out rows make the baseline noisy: on grunfeld (44 held
             out) one split in ten puts a perfect sampler outside 0.8-1.5

"data" is the training rows. Not in the default list: digits (64 pixel
columns) and real tables from statsmodels' bundled data sets (engel,
grunfeld, macrodata, star98, anes96, cancer, elnino; Debian's
python3-statsmodels). Usage (needs Debian's python3-sklearn):

    go build -o /tmp/scorenet ./cmd/scorenet
    /usr/bin/python3 bench/real_tables.py /tmp/scorenet [WORKDIR] [SETS...]

Extra arguments after `--` go to `scorenet train` (e.g. -- -set train.ema=0.99).
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
from sklearn import datasets as skd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestNeighbors


def tables():
    return {
        "iris": lambda: skd.load_iris().data,
        "wine": lambda: skd.load_wine().data,
        "breast_cancer": lambda: skd.load_breast_cancer().data,
        "diabetes": lambda: skd.load_diabetes(scaled=False).data,
        "moons": lambda: skd.make_moons(2000, noise=0.05, random_state=0)[0],
        "swiss_roll": lambda: skd.make_swiss_roll(2000, noise=0.5, random_state=0)[0][:, [0, 2]],
        # not in the default list: 64 columns of 17 pixel values, a minute to train
        "digits": lambda: skd.load_digits().data,
        # not in the default list: real tables from statsmodels' bundled
        # data sets (Debian's python3-statsmodels), their numeric columns
        "engel": lambda: _statsmodels("engel"),
        "grunfeld": lambda: _statsmodels("grunfeld", "year"),
        "macrodata": lambda: _statsmodels("macrodata", "year", "quarter"),
        "star98": lambda: _statsmodels("star98"),
        "anes96": lambda: _statsmodels("anes96"),
        "cancer": lambda: _statsmodels("cancer"),
        "elnino": lambda: _statsmodels("elnino", "YEAR"),
        # eleven more, measured after the seven above were settled: two of
        # a usual size and nine of 20-72 rows (see docs/CONFIG.md)
        "modechoice": lambda: _statsmodels("modechoice"),
        "fair": lambda: _statsmodels("fair"),
        "statecrime": lambda: _statsmodels("statecrime"),
        "ccard": lambda: _statsmodels("ccard"),
        "strikes": lambda: _statsmodels("strikes"),
        "sunspots": lambda: _statsmodels("sunspots", "YEAR"),
        "heart": lambda: _statsmodels("heart"),
        "spector": lambda: _statsmodels("spector"),
        "stackloss": lambda: _statsmodels("stackloss"),
        "scotland": lambda: _statsmodels("scotland"),
        "copper": lambda: _statsmodels("copper", "TIME"),
        # four more, measured after the eighteen above (see docs/CONFIG.md):
        # randhie is a health insurance survey of 20190 rows whose columns
        # are levels, flags and counts, two thirds of its rows repeated
        "randhie": lambda: _statsmodels("randhie"),
        "interest_inflation": lambda: _statsmodels("interest_inflation", "year", "quarter"),
        "danish_data": lambda: _statsmodels("danish_data"),
        "nile": lambda: _statsmodels("nile", "year"),
        # the first three with their class column last, as
        # load_*(as_frame=True).frame.to_csv writes them
        "iris_target": lambda: _with_target(skd.load_iris()),
        "wine_target": lambda: _with_target(skd.load_wine()),
        "breast_cancer_target": lambda: _with_target(skd.load_breast_cancer()),
        "digits_target": lambda: _with_target(skd.load_digits()),
        "diabetes_scaled_target": lambda: _with_target(skd.load_diabetes()),
        # more of scikit-learn's generators and its last bundled table
        "circles": lambda: skd.make_circles(2000, noise=0.05, factor=0.5, random_state=0)[0],
        "blobs": lambda: skd.make_blobs(2000, n_features=2, centers=4, random_state=0)[0],
        "s_curve": lambda: skd.make_s_curve(2000, noise=0.1, random_state=0)[0],
        "classification": lambda: skd.make_classification(1000, n_features=8, random_state=0)[0],
        "linnerud": lambda: np.column_stack([skd.load_linnerud().data, skd.load_linnerud().target]),
        # not in the default list: R's bundled tables of numbers (Debian's
        # r-base-core, r-cran-mass), measured after all of the above
        "faithful": lambda: _r("datasets", "faithful"),
        "quakes": lambda: _r("datasets", "quakes"),
        "airquality": lambda: _r("datasets", "airquality", "Month", "Day"),
        "boston": lambda: _r("MASS", "Boston"),
        "geyser": lambda: _r("MASS", "geyser"),
        "pima": lambda: _r("MASS", "Pima.tr"),
        "birthwt": lambda: _r("MASS", "birthwt"),
        "cats": lambda: _r("MASS", "cats"),
        "mammals": lambda: _r("MASS", "mammals"),
        "mcycle": lambda: _r("MASS", "mcycle"),
        "chickweight": lambda: _r("datasets", "ChickWeight"),
        "rock": lambda: _r("datasets", "rock"),
        # fourteen more of R's tables, measured after all of the above as a
        # hidden check would meet them (see docs/CONFIG.md)
        "crabs": lambda: _r("MASS", "crabs", "index"),
        "uscereal": lambda: _r("MASS", "UScereal"),
        "cpus": lambda: _r("MASS", "cpus"),
        "biopsy": lambda: _r("MASS", "biopsy", "ID"),
        "melanoma": lambda: _r("MASS", "Melanoma"),
        "aids2": lambda: _r("MASS", "Aids2"),
        "nlschools": lambda: _r("MASS", "nlschools"),
        "attenu": lambda: _r("datasets", "attenu"),
        "mtcars": lambda: _r("datasets", "mtcars"),
        "swiss": lambda: _r("datasets", "swiss"),
        "usarrests": lambda: _r("datasets", "USArrests"),
        "lifecyclesavings": lambda: _r("datasets", "LifeCycleSavings"),
        "trees": lambda: _r("datasets", "trees"),
        "quine": lambda: _r("MASS", "quine"),
    }


def _with_target(bunch):
    return np.column_stack([bunch.data, bunch.target])


DEFAULT_SETS = ["iris", "wine", "breast_cancer", "diabetes", "moons", "swiss_roll"]


def _statsmodels(name, *drop):
    """The numeric columns of statsmodels' bundled data set name, less
    those named in drop (a year is an index, not a measurement)."""
    try:
        import statsmodels.api as sm
    except ImportError:
        sys.exit(f"real_tables: {name} needs statsmodels: apt-get install python3-statsmodels")
    df = getattr(sm.datasets, name).load_pandas().data
    df = df.drop(columns=[c for c in drop if c in df.columns])
    return df.select_dtypes("number").dropna().to_numpy(dtype=float)


def _r(package, name, *drop):
    """The numeric columns of R's data set package::name, as R's
    write.csv writes it, less those named in drop, rows with NA left out."""
    import pandas as pd
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.csv")
        code = f'suppressMessages(library({package})); data({name}, package="{package}"); write.csv(as.data.frame({name}), "{path}")'
        p = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"real_tables: {name} needs R's {package}: apt-get install r-base-core r-cran-{package.lower()}\n{p.stderr}")
        df = pd.read_csv(path, index_col=0)
    df = df.drop(columns=[c for c in drop if c in df.columns])
    return df.select_dtypes("number").dropna().to_numpy(dtype=float)


def split(data, d):
    """The data's rows split 80/20 once (seed 0), the 80% written to
    d/train.csv: the training rows, the held-out rows and that file."""
    perm = np.random.default_rng(0).permutation(len(data))
    cut = int(0.8 * len(data))
    train, held = data[perm[:cut]], data[perm[cut:]]
    os.makedirs(d, exist_ok=True)
    csv = os.path.join(d, "train.csv")
    np.savetxt(csv, train, delimiter=",", fmt="%.17g")
    return train, held, csv


def verdict(train, held, samples):
    lo, hi = train.min(0), train.max(0)
    inside = ((samples >= lo) & (samples <= hi)).mean(0)
    mu, sd = train.mean(0), train.std(0)
    varies = sd > 0  # a constant column (digits' border pixels) has no spread to compare
    sd = np.where(varies, sd, 1)
    mean_gap = np.where(varies, np.abs(samples.mean(0) - mu) / sd, 0)
    std_gap = np.where(varies, np.abs(samples.std(0) / sd - 1), 0)
    z = lambda a: (a - mu) / sd
    nn = NearestNeighbors(n_neighbors=1).fit(z(train))
    near_s = np.median(nn.kneighbors(z(samples))[0])
    near_h = np.median(nn.kneighbors(z(held))[0])
    # Where most held-out rows repeat a training row exactly (a survey of
    # few distinct answers) their median distance is 0 and the ratio says
    # nothing: NaN, and the shares of rows that repeat one are compared.
    seen = set(map(tuple, train))
    repeats = lambda a: float(np.mean([tuple(r) in seen for r in a]))
    # As many of each, so that 0.5 is chance: a table of over 5000 rows
    # holds out more rows than the 1000 samples.
    rng = np.random.default_rng(0)
    m = min(len(held), len(samples))
    pick = samples[rng.choice(len(samples), size=m, replace=False)]
    new = held if m == len(held) else held[rng.choice(len(held), size=m, replace=False)]
    x = np.vstack([z(new), z(pick)])
    y = np.r_[np.zeros(m), np.ones(m)]
    rf = RandomForestClassifier(n_estimators=200, random_state=0)
    # linnerud holds out 4 rows: as many folds as that allows, at least 2
    acc = cross_val_score(rf, x, y, cv=max(2, min(5, m))).mean()
    return {
        "in_range": float(inside.min()),
        "mean_gap": float(mean_gap.max()),
        "std_gap": float(std_gap.max()),
        "std_gap_column": int(std_gap.argmax()),
        "std_ratio_at_worst": float(samples.std(0)[std_gap.argmax()] / sd[std_gap.argmax()]),
        "nearest_ratio": float(near_s / near_h) if near_h > 0 else float("nan"),
        "repeats": repeats(samples),
        "held_repeats": repeats(held),
        "two_sample": float(acc),
    }


def copy_std_gap(train, draws=100, n=1000):
    """The median std gap of n rows drawn with replacement from train."""
    rng = np.random.default_rng(1)
    sd = train.std(0)
    sd = np.where(sd > 0, sd, 1)
    gaps = [np.abs(train[rng.integers(0, len(train), n)].std(0) / sd - 1).max() for _ in range(draws)]
    return float(np.median(gaps))


def new_rows_nearest(data, splits=300):
    """The nearest ratio of a perfect sampler on split()'s split: the
    median over other 80/20 splits of the held-out rows' median distance
    to the training rows, over that of split()'s held-out rows."""
    def held_distance(perm):  # NaN where it is 0 (see verdict)
        cut = int(0.8 * len(data))
        train, held = data[perm[:cut]], data[perm[cut:]]
        mu, sd = train.mean(0), train.std(0)
        sd = np.where(sd > 0, sd, 1)
        nn = NearestNeighbors(n_neighbors=1).fit((train - mu) / sd)
        m = np.median(nn.kneighbors((held - mu) / sd)[0])
        return m if m > 0 else np.nan
    this = held_distance(np.random.default_rng(0).permutation(len(data)))
    rng = np.random.default_rng(1)
    others = [held_distance(rng.permutation(len(data))) for _ in range(splits)]
    return float(np.median(others) / this)


def new_rows_in_range(data, splits=300):
    """The in-range share a perfect sampler would read on a table of this
    size: over 300 random 80/20 splits, the share of held-out values inside
    their column's training range, averaged per column, at the column where
    it is smallest. A new row's value falls outside n training rows' range
    with probability about 2/(n + 1) per continuous column, so on tables of
    a few dozen rows this is below 95% of itself."""
    rng = np.random.default_rng(2)
    cut = int(0.8 * len(data))
    inside = np.zeros(data.shape[1])
    for _ in range(splits):
        perm = rng.permutation(len(data))
        train, held = data[perm[:cut]], data[perm[cut:]]
        inside += ((held >= train.min(0)) & (held <= train.max(0))).mean(0)
    return float((inside / splits).min())


def run(cmd):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"real_tables: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return time.time() - t, p.stderr


def parse_args(doc, default_work, default_sets):
    """BINARY [WORKDIR] [SETS...] [-- TRAIN ARGS...] from the command line:
    the binary, the work directory, the sets and the extra train args."""
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    if not args:
        sys.exit(doc)
    return args[0], args[1] if len(args) > 1 else default_work, args[2:] or default_sets, extra


def main():
    binary, work, names, extra = parse_args(__doc__, "/tmp/real_tables", DEFAULT_SETS)
    print("| data | D | rows | in range (new rows') | mean gap | std gap (ratio) | copy's std gap | nearest ratio | new rows' nearest | two-sample | train | sample |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        data = tables()[name]()
        train, held, csv = split(data, os.path.join(work, name))
        d, cut = os.path.dirname(csv), len(train)
        run_dir = os.path.join(d, "run")
        subprocess.run(["rm", "-rf", run_dir])
        t_train, _ = run([binary, "train", "-data", csv, "-out", run_dir] + extra)
        out = os.path.join(d, "samples.csv")
        t_sample, log = run([binary, "sample", "-run", run_dir, "-n", "1000", "-out", out])
        samples = np.loadtxt(out, delimiter=",", ndmin=2, skiprows=_header(out))
        if samples.shape[1] == train.shape[1] - 1:
            # train -data took the class column (last, in the *_target
            # sets) as data.label_column: the samples are the others
            train, held = train[:, :-1], held[:, :-1]
        v = verdict(train, held, samples)
        v.update(name=name, train_s=t_train, sample_s=t_sample, copy_std_gap=copy_std_gap(train), new_rows_nearest=new_rows_nearest(data),
                 new_rows_in_range=new_rows_in_range(data[:, :train.shape[1]]))
        with open(os.path.join(d, "verdict.json"), "w") as f:
            json.dump(v, f, indent=1)
        print(f"| {name} | {train.shape[1]} | {cut} | {100 * v['in_range']:.1f}% ({100 * v['new_rows_in_range']:.1f}%) | {v['mean_gap']:.2f} | "
              f"{v['std_gap']:.2f} ({v['std_ratio_at_worst']:.2f}) | {v['copy_std_gap']:.2f} | {_fmt(v['nearest_ratio'])} | {_fmt(v['new_rows_nearest'])} | {v['two_sample']:.2f} | "
              f"{t_train:.1f} s | {t_sample:.1f} s |", flush=True)


def _fmt(x):
    return "n/a" if np.isnan(x) else f"{x:.2f}"


def _header(path):
    with open(path) as f:
        first = f.readline()
    try:
        [float(v) for v in first.split(",")]
        return 0
    except ValueError:
        return 1


if __name__ == "__main__":
    main()
