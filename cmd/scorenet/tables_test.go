package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scorenet/datasets"
)

// train -data on a table with a column of class names (iris's species as
// usually written) takes it as data.label_column: said at start-up,
// written into config.yaml, kept on resume, never chosen over a -set of
// the key; the run samples without -class.
func TestTrainDataFindsTheClassColumn(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(",width,height,species\n") // with pandas' row index
	for i := range 120 {
		kind := []string{"setosa", "versicolor", "virginica"}[i%3]
		fmt.Fprintf(&b, "%d,%.2f,%.2f,%s\n", i, 1+float64(i%3)+0.01*float64(i%7), 2+0.5*float64(i%3)+0.02*float64(i%5), kind)
	}
	data := filepath.Join(dir, "flowers.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=4", "-set", "train.refit=false")
	if code != 0 {
		t.Fatalf("train -data: exit %d: %s", code, errs)
	}
	for _, want := range []string{"data.label_column auto: species", "3 classes in the first 120 rows (setosa, versicolor, virginica)", "is the rows' index"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the start-up lines lack %q:\n%s", want, errs)
		}
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "label_column: species") || !strings.Contains(string(c), "class_names:") || !strings.Contains(string(c), "class_counts:") {
		t.Errorf("config.yaml lacks the label column and its classes:\n%s", c)
	} else if !strings.Contains(string(c), "label_dropout: 0.5") || !strings.Contains(errs, "train.label_dropout 0.5") {
		t.Errorf("a table's class column: label dropout not 0.5, said and kept:\n%s\n%s", errs, c)
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=6"); code != 0 || strings.Contains(errs, "data.label_column auto") {
		t.Errorf("resume: exit %d; it looked for the column again or failed: %s", code, errs)
	}
	// One level to stop at for every class's chains would widen each
	// class's columns: a class-conditional run is not probed.
	if code, _, errs := scorenet("sample", "-run", run, "-n", "10", "-out", filepath.Join(dir, "s.csv"), "-set", "sample.steps=4"); code != 0 || !strings.Contains(errs, "sample.sigma_stop auto: 0 (a class-conditional run") {
		t.Errorf("sample without -class: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-n", "10", "-class", "virginica", "-out", filepath.Join(dir, "v.csv"), "-set", "sample.steps=4"); code != 0 {
		t.Errorf("sample -class virginica: exit %d: %s", code, errs)
	}
	// Samples drawn by class carry it, last, by name; the run's readers
	// take it out again.
	all := filepath.Join(dir, "all.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "6", "-class", "all", "-out", all, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample -class all: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, all))), "\n")
	if lines[0] != "width,height,species" || !strings.HasSuffix(lines[1], ",setosa") || !strings.HasSuffix(lines[2], ",versicolor") || !strings.HasSuffix(lines[3], ",virginica") {
		t.Errorf("samples by class:\n%s", strings.Join(lines, "\n"))
	}
	scoredByClass(t, run, dir, all)
	mixedTakeTheDataClasses(t, run, dir)
	holes := filepath.Join(dir, "holes.csv")
	os.WriteFile(holes, []byte(",width,height,species\n0,1.5,,setosa\n1,,2.5,virginica\n"), 0o644)
	code, _, errs = scorenet("impute", "-run", run, "-in", holes, "-out", filepath.Join(dir, "filled.csv"), "-n", "2", "-set", "sample.steps=4")
	if code != 0 || !strings.Contains(errs, "column species is each row's class (the run's data.label_column): each row's entries are drawn given it") {
		t.Errorf("impute on rows with their class: exit %d: %s", code, errs)
	}
	if filled, err := os.ReadFile(filepath.Join(dir, "filled.csv")); err != nil || !regexp.MustCompile(`^,width,height,species\n0,1.5,[0-9.]+,setosa\n1,[0-9.]+,2.5,virginica\n$`).Match(filled) { // the index first, the class in its place
		t.Errorf("the completed rows: %v\n%s", err, filled)
	}
	// A bad cell in a file that holds the class column is named where it
	// is (it was named at the class's cell, read without the column).
	badCell := filepath.Join(dir, "bad_cell.csv")
	os.WriteFile(badCell, []byte("width,height,species\n1.5,2.5,setosa\n1.5,zz,setosa\n"), 0o644)
	if code, _, errs := scorenet("score", "-run", run, "-in", badCell, "-out", filepath.Join(dir, "bad_cell_scores.csv")); code == 0 || !strings.Contains(errs, `line 3, column 2: "zz" is neither a number nor missing`) {
		t.Errorf("score of a bad cell beside the class column: exit %d: %s", code, errs)
	}
	// A class the run has not: drawn by the unconditional field and
	// written back as given by impute, said.
	strange := filepath.Join(dir, "strange.csv")
	os.WriteFile(strange, []byte("width,height,species\n1.5,,setosa\n1.6,,lotus\n"), 0o644)
	code, _, errs = scorenet("impute", "-run", run, "-in", strange, "-out", filepath.Join(dir, "strange_filled.csv"), "-n", "2", "-set", "sample.steps=4")
	if filled := string(mustRead(t, filepath.Join(dir, "strange_filled.csv"))); code != 0 || !strings.Contains(errs, `1 row holds a class the run has not (the first, line 3: "lotus")`) || !strings.HasSuffix(filled, ",lotus\n") {
		t.Errorf("impute of a class the run has not: exit %d: %s\n%s", code, errs, filled)
	}
	given := filepath.Join(dir, "given")
	code, _, errs = scorenet("train", "-data", data, "-out", given, "-set", "train.steps=2", "-set", "train.refit=false", "-set", "data.label_column=4", "-set", "train.label_dropout=0.2")
	if code != 0 || strings.Contains(errs, "data.label_column auto") {
		t.Errorf("data.label_column given: exit %d, or it was chosen anyway: %s", code, errs)
	}
	if c, _ := os.ReadFile(filepath.Join(given, "config.yaml")); !strings.Contains(string(c), "label_dropout: 0.2") {
		t.Errorf("train.label_dropout given as 0.2, config.yaml:\n%s", c)
	}
}

// scoredByClass checks score and likelihood of rows (all: three, one a
// class, in the run's class column species) on a class-conditional run:
// given their class, which changes what they give from the same rows
// without it; a class the run has not is refused, naming its line.
func scoredByClass(t *testing.T, run, dir, all string) {
	t.Helper()
	var plain strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(string(mustRead(t, all))), "\n")[:4] {
		cells := strings.Split(line, ",")
		fmt.Fprintf(&plain, "%s\n", strings.Join(cells[:2], ","))
		if i == 0 && cells[2] != "species" {
			t.Fatalf("the samples' header is %q", line)
		}
	}
	without := filepath.Join(dir, "without.csv")
	os.WriteFile(without, []byte(plain.String()), 0o644)
	withClass, withoutClass := filepath.Join(dir, "scores.csv"), filepath.Join(dir, "scores-plain.csv")
	code, out, errs := scorenet("score", "-run", run, "-in", all, "-out", withClass)
	if code != 0 || !strings.Contains(out, "each given its class (column species)") {
		t.Errorf("score of the samples with their class: exit %d: %s%s", code, out, errs)
	}
	if code, out, errs := scorenet("score", "-run", run, "-in", without, "-out", withoutClass); code != 0 || strings.Contains(out, "given its class") {
		t.Errorf("score of the samples without their class: exit %d: %s%s", code, out, errs)
	}
	a, b := mustRead(t, withClass), mustRead(t, withoutClass)
	if !strings.HasPrefix(string(a), "width,height\n") || !strings.HasPrefix(string(b), "width,height\n") || string(a) == string(b) {
		t.Errorf("the scores given the class are those without it, or lack the header:\n%s\n%s", a, b)
	}
	code, joint, errs := scorenet("likelihood", "-run", run, "-in", all)
	if code != 0 || !strings.Contains(errs, "each with its class (column species): log p(x, y)") {
		t.Errorf("likelihood with the class: exit %d: %s", code, errs)
	}
	if code, marginal, errs := scorenet("likelihood", "-run", run, "-in", without); code != 0 || marginal == joint || strings.Count(marginal, "\n") != 3 {
		t.Errorf("likelihood without the class: exit %d, %q (with it %q): %s", code, marginal, joint, errs)
	}
	// A row without its class has no score given it, nor a joint
	// likelihood: its row is left empty, the other rows computed.
	blank := filepath.Join(dir, "blank.csv")
	os.WriteFile(blank, []byte("width,height,species\n1,2,\n1,2,setosa\n"), 0o644)
	if code, _, errs := scorenet("score", "-run", run, "-in", blank, "-out", filepath.Join(dir, "blank-scores.csv")); code != 0 ||
		!strings.HasPrefix(string(mustRead(t, filepath.Join(dir, "blank-scores.csv"))), "width,height\n,\n") || !strings.Contains(errs, "with a missing value left empty") {
		t.Errorf("score of a row without its class: exit %d: %s\n%s", code, errs, mustRead(t, filepath.Join(dir, "blank-scores.csv")))
	}
	if code, out, errs := scorenet("likelihood", "-run", run, "-in", blank); code != 0 || !strings.HasPrefix(out, ",\n") || strings.Count(out, "\n") != 2 || !strings.Contains(errs, "1 point of "+blank+" with a missing value left out") {
		t.Errorf("likelihood of a row without its class: exit %d: %q %s", code, out, errs)
	}
	daisy := filepath.Join(dir, "daisy.csv")
	os.WriteFile(daisy, []byte("width,height,species\n1,2,setosa\n1,2,daisy\n"), 0o644)
	for _, cmd := range []string{"score", "likelihood"} {
		// Its row left empty, said, as a category's unknown name's is.
		out := filepath.Join(dir, "daisy-"+cmd+".csv")
		code, _, errs := scorenet(cmd, "-run", run, "-in", daisy, "-out", out)
		got := strings.Split(strings.TrimSpace(string(mustRead(t, out))), "\n")
		if code != 0 || !strings.Contains(errs, `1 row holds a class the run has not, read as missing: their rows left empty (the first, line 3: "daisy")`) ||
			len(got) != 3 || strings.Trim(got[1], ",") == "" || strings.Trim(got[2], ",") != "" {
			t.Errorf("%s of a class the run has not: exit %d: %s\n%s", cmd, code, errs, strings.Join(got, "\n"))
		}
	}
}

// mixedTakeTheDataClasses checks the samples that a run of 40 rows per
// class draws without -class: each of 12 chains its class in turn, in the
// class column, as said on stderr; two shards merged give the same bytes.
func mixedTakeTheDataClasses(t *testing.T, run, dir string) {
	t.Helper()
	whole := filepath.Join(dir, "mixed.csv")
	code, _, errs := scorenet("sample", "-run", run, "-n", "12", "-out", whole, "-set", "sample.steps=4")
	if code != 0 || !strings.Contains(errs, "classes: without -class the chains take them in the training rows' proportions (model.class_counts): setosa 4, versicolor 4, virginica 4; each sample's class is written in column species") {
		t.Fatalf("sample without -class: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, whole))), "\n")
	if lines[0] != "width,height,species" || len(lines) != 13 {
		t.Fatalf("samples drawn without -class:\n%s", strings.Join(lines, "\n"))
	}
	for i, line := range lines[1:] {
		if want := []string{"setosa", "versicolor", "virginica"}[i%3]; !strings.HasSuffix(line, ","+want) {
			t.Errorf("sample %d: %q, want class %s", i, line, want)
		}
	}
	plain := filepath.Join(dir, "unlabelled.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "4", "-unlabelled", "-out", plain, "-set", "sample.steps=4"); code != 0 || strings.Contains(errs, "classes: without -class") {
		t.Errorf("sample -unlabelled: exit %d: %s", code, errs)
	} else if header, _, _ := strings.Cut(string(mustRead(t, plain)), "\n"); header != "width,height" {
		t.Errorf("samples drawn -unlabelled: header %q, want width,height", header)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-n", "4", "-unlabelled", "-class", "setosa", "-out", plain); code == 0 || !strings.Contains(errs, "-unlabelled draws without labels: not with -class setosa") {
		t.Errorf("sample -unlabelled -class: exit %d: %s", code, errs)
	}
	var shards []string
	for k := range 2 {
		shard := filepath.Join(dir, fmt.Sprintf("mixed-%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-n", "12", "-shard", fmt.Sprintf("%d/2", k), "-out", shard, "-set", "sample.steps=4"); code != 0 {
			t.Fatalf("shard %d: exit %d: %s", k, code, errs)
		}
		shards = append(shards, shard)
	}
	merged := filepath.Join(dir, "merged.csv")
	if code, _, errs := scorenet(append([]string{"merge", "-out", merged}, shards...)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if !bytes.Equal(mustRead(t, merged), mustRead(t, whole)) {
		t.Errorf("two shards merged differ from the whole:\n%s\n%s", mustRead(t, merged), mustRead(t, whole))
	}
}

// A table of pixels with its label column first (MNIST's CSVs) trains
// the unet on the pixels given the label.
func TestPixelTableWithItsLabel(t *testing.T) {
	dir := t.TempDir()
	pixels := filepath.Join(dir, "pixels.csv")
	writeStrokes(t, pixels, 300)
	text, err := os.ReadFile(pixels)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	for i := range lines {
		label := "label"
		if i > 0 {
			label = fmt.Sprint(i % 10)
		}
		lines[i] = label + "," + lines[i]
	}
	data := filepath.Join(dir, "labelled.csv")
	if err := os.WriteFile(data, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=2", "-set", "model.channels=[8,16]")
	if code != 0 {
		t.Fatalf("train -data: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "data.label_column auto: label") || !strings.Contains(errs, "the first column holds integers from 0 to 9 beside 64 columns of pixels") {
		t.Errorf("the start-up lines do not name the label column:\n%s", errs)
	}
	c, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	for _, want := range []string{"type: unet", "label_column: label", "classes: 10"} {
		if !strings.Contains(string(c), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, c)
		}
	}
	// A table of pixels samples into a table, samples.csv in the run
	// directory by default (an IDX file's run into samples.npy).
	code, out, errs := scorenet("sample", "-run", run, "-n", "4", "-set", "sample.steps=2")
	if _, err := os.Stat(filepath.Join(run, "samples.csv")); code != 0 || err != nil || !strings.Contains(out, filepath.Join(run, "samples.csv")) {
		t.Errorf("sample without -out: exit %d, %v; stdout %q: %s", code, err, out, errs)
	}
}

// train -data leaves out the rows with a missing value, saying how many
// and where the first was; data.missing: refuse names the line instead.
func TestTrainDataLeavesOutIncompleteRows(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 200 {
		switch i {
		case 3:
			b.WriteString("1.5,\n")
		case 7:
			b.WriteString("NA,2\n")
		default:
			fmt.Fprintf(&b, "%.3f,%.3f\n", float64(i%13)/3, float64(i%7)/2)
		}
	}
	data := filepath.Join(dir, "holes.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=4", "-set", "train.refit=false")
	if code != 0 || !strings.Contains(errs, "198 points of dimension 2") || !strings.Contains(errs, "2 rows with a missing value left out (data.missing: drop), the first at line 5") {
		t.Fatalf("train -data: exit %d, want the two rows left out and said: %s", code, errs)
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "missing: drop") {
		t.Errorf("config.yaml lacks data.missing:\n%s", c)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-n", "10", "-out", filepath.Join(dir, "s.csv"), "-set", "sample.steps=4"); code != 0 || !strings.Contains(errs, "verdict") {
		t.Errorf("sample: exit %d, want a verdict against the complete rows: %s", code, errs)
	}
	// Without -out the samples go into the run directory, named on stdout.
	code, out, errs := scorenet("sample", "-run", run, "-n", "10", "-set", "sample.steps=4")
	if _, err := os.Stat(filepath.Join(run, "samples.csv")); code != 0 || err != nil || !strings.Contains(out, filepath.Join(run, "samples.csv")) {
		t.Errorf("sample without -out: exit %d, %v; stdout %q: %s", code, err, out, errs)
	}
	code, _, errs = scorenet("train", "-data", data, "-out", filepath.Join(dir, "refuse"), "-set", "train.steps=2", "-set", "data.missing=refuse")
	if code == 0 || !strings.Contains(errs, `line 5, column 2: an empty cell, a missing value, where every value is needed`) {
		t.Errorf("data.missing refuse: exit %d, want the first missing cell named: %s", code, errs)
	}
}

// A table run trained before data.discrete_values, data.discrete_spread,
// data.valley_levels, data.quantile_valleys, data.quantile_masses,
// data.missing and train.nearness existed (and with data.discrete_gap 3), and by anneal_dsm (a table's loss before
// edm_dsm), resumed by the user's own config (which names none of them),
// keeps what it was trained with, as -run does.
func TestOldTableRunResumesByItsConfig(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "t.csv")
	writeRows(t, data, "x,y,code", 300, func(i int) string { return fmt.Sprintf("%.3f,%.3f,%d", float64(i%17)/5, float64(i%11)/3, i%3) })
	run := filepath.Join(dir, "run")
	mine := filepath.Join(dir, "mine.yaml")
	os.WriteFile(mine, []byte("name: t\ndata: {dataset: file, path: "+data+"}\nmodel: {hidden: [8]}\ntrain: {patience: 2, refit: false}\noutput: {dir: "+run+"}\n"), 0o644)
	// As before data.discrete_spread: each value's rows over its whole
	// cell; and the code's values put 3 apart, which the default does not.
	if code, _, errs := scorenet("train", "-config", mine, "-set", "data.discrete_spread=1", "-set", "data.discrete_gap=3"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	old := func(text string) string {
		for _, key := range []string{"    missing: drop\n", "    nearness: true\n", "    discrete_values: 1024\n", "    discrete_spread: 1\n", "    valley_levels: 32\n", "    quantile_valleys: true\n", "    quantile_masses: true\n"} {
			if !strings.Contains(text, key) {
				t.Fatalf("the run's config lacks %q:\n%s", key, text)
			}
			text = strings.Replace(text, key, "", 1)
		}
		if !strings.Contains(text, "    loss: edm_dsm\n") {
			t.Fatalf("the run's config lacks edm_dsm:\n%s", text)
		}
		return strings.Replace(text, "    loss: edm_dsm\n", "    loss: anneal_dsm\n", 1)
	}
	rewriteRunConfig(t, run, old)
	code, _, errs := scorenet("train", "-config", mine, "-resume")
	for _, want := range []string{"keeping data.discrete_values 32", "keeping data.missing refuse", "keeping train.nearness false",
		"keeping data.valley_levels 10, as the run was trained (the default is 32 now)",
		"keeping data.quantile_valleys false, as the run was trained (the default is true now)",
		"keeping data.quantile_masses false, as the run was trained (the default is true now)",
		"keeping data.discrete_spread 1, as the run was trained (the default is 0.5 now)", "trained spread over each value's cell and sampled",
		"keeping data.discrete_gap 3, as the run was trained (the default is 1 now)", "data.discrete_gap 3: 1 discrete column(s)",
		"keeping train.loss anneal_dsm, as the run was trained (a table's default is edm_dsm now)", "anneal_dsm loss"} {
		if code != 0 || !strings.Contains(errs, want) {
			t.Errorf("resume by -config: exit %d, want %q: %s", code, want, errs)
		}
	}
}

// train -data tells the kind of data by the file's extension first, then
// by an IDX name: a CSV named iris_idx.csv is a table.
func TestDataConfigKindOfFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, file, dataset string }{
		{"a CSV with idx in its name", "iris_idx.csv", "file"},
		{"a .npy with -ubyte in its name", "x-ubyte.npy", "file"},
		{"an IDX file", "train-images-idx3-ubyte.gz", "idx"},
		{"an IDX file unpacked", "t10k-images.idx3-ubyte", "idx"},
		{"a folder of PNGs", "pngs", "images"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			var err error
			if c.dataset == "images" {
				err = os.Mkdir(path, 0o755)
			} else {
				err = os.WriteFile(path, []byte("1,2\n"), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			text, err := dataConfig(path, "", "", nil, nil)
			if err != nil || !strings.Contains(text, "dataset: "+c.dataset+",") {
				t.Errorf("dataConfig: %v\n%s\nwant dataset %s", err, text, c.dataset)
			}
		})
	}
}

// A table with names in more than one column (penguins' species, island)
// learns them as categories and samples names; naming one the class
// column leaves the other a category; a column of names that mostly
// differ is left out.
func TestTrainDataLearnsColumnsOfNames(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "penguins.csv")
	var b strings.Builder
	b.WriteString("species,island,bill\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%s,%.1f\n", []string{"Adelie,Torgersen", "Gentoo,Biscoe", "Adelie,Dream"}[i%3], 39+float64(i%3)*4+0.1*float64(i%5))
	}
	run, errs := trainBriefly(t, data, b.String())
	if !strings.Contains(errs, "data.categories auto: species (2: Adelie, Gentoo), island (3: Biscoe, Dream, Torgersen)") {
		t.Fatalf("want the columns of names learnt as categories: %s", errs)
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "- column: island\n          levels:\n            - Torgersen\n            - Biscoe\n            - Dream\n          index: 1") {
		t.Errorf("config.yaml lacks the categories' levels and places:\n%s", c)
	} else if !strings.Contains(string(c), "columns:\n        - species\n        - island\n        - bill\n") {
		t.Errorf("config.yaml lacks the columns' names (data.columns):\n%s", c)
	}
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "20", "-out", samples, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	text, _ := os.ReadFile(samples)
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if lines[0] != "species,island,bill" { // the header names the columns learnt
		t.Fatalf("the samples' first line is %q, want the data's header", lines[0])
	}
	for i, line := range lines[1:] {
		cells := strings.Split(line, ",")
		if len(cells) != 3 || !slices.Contains([]string{"Adelie", "Gentoo"}, cells[0]) || !slices.Contains([]string{"Biscoe", "Dream", "Torgersen"}, cells[1]) {
			t.Fatalf("sample %d is %q, want a species, an island and a number", i, line)
		}
	}
	// The run reads back what it wrote: its samples, as CSV or .npy.
	npy := filepath.Join(dir, "s.npy")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "5", "-out", npy, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample -out .npy: exit %d: %s", code, errs)
	}
	readsBackAndMerges(t, run, dir, samples, npy, "species,island,bill")
	holes := filepath.Join(dir, "holes.csv")
	os.WriteFile(holes, []byte("species,island,bill\nGentoo,,47\nAdelie,Dream,NA\n"), 0o644)
	filled := filepath.Join(dir, "filled.csv")
	if code, _, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filled, "-n", "3", "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("impute: exit %d: %s", code, errs)
	}
	if got, _ := os.ReadFile(filled); !regexp.MustCompile(`^species,island,bill\nGentoo,(Biscoe|Dream|Torgersen),47\nAdelie,Dream,[0-9.]+\n$`).Match(got) {
		t.Errorf("imputed rows:\n%s", got)
	}
	rows := filepath.Join(dir, "rows.csv")
	os.WriteFile(rows, []byte("species,island,bill\nGentoo,Biscoe,47\nAdelie,Dream,39.5\n"), 0o644)
	scores := filepath.Join(dir, "scores.csv")
	if code, _, errs := scorenet("score", "-run", run, "-in", rows, "-out", scores); code != 0 {
		t.Errorf("score of rows of names: exit %d: %s", code, errs)
	} else if got, _ := os.ReadFile(scores); strings.Count(string(got), "\n") != 3 || strings.Count(string(got), ",") != 6 || !strings.HasPrefix(string(got), "species,island,bill\n") {
		t.Errorf("scores of 2 rows of 3 columns, under their header:\n%s", got)
	}
	// A name that is no level is written back as given, said; the row's
	// other cells still count. Where every value is needed, it is refused.
	os.WriteFile(holes, []byte("species,island,bill\nEmperor,Dream,47\n"), 0o644)
	if code, _, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filled, "-set", "sample.steps=4"); code != 0 ||
		!strings.Contains(errs, `1 cell holds a name that is no level of its category column, which the model cannot condition on: the row's other entries are completed without it, and it is written back as given (the first, line 2, column 1: "Emperor" (column species))`) {
		t.Errorf("impute of an unknown level: exit %d: %s", code, errs)
	} else if got := string(mustRead(t, filled)); got != "species,island,bill\nEmperor,Dream,47\n" {
		t.Errorf("the row with an unknown level completed as:\n%s", got)
	}
	// score and likelihood leave its row empty, the others scored.
	os.WriteFile(holes, []byte("species,island,bill\nEmperor,Dream,47\nGentoo,Biscoe,47\n"), 0o644)
	for _, command := range []string{"score", "likelihood"} {
		scored := filepath.Join(dir, command+"_emperor.csv")
		code, _, errs := scorenet(command, "-run", run, "-in", holes, "-out", scored)
		got := strings.Split(strings.TrimSpace(string(mustRead(t, scored))), "\n")
		if code != 0 || !strings.Contains(errs, `1 cell holds a name that is no level of its category column, which the model has no value for, read as missing (the first, line 2, column 1: "Emperor" (column species))`) ||
			len(got) != 3 || strings.Trim(got[1], ",") != "" || strings.Trim(got[2], ",") == "" {
			t.Errorf("%s of an unknown level: exit %d: %s\n%s", command, code, errs, strings.Join(got, "\n"))
		}
	}
	code, _, errs := scorenet("train", "-data", data, "-out", filepath.Join(dir, "run2"), "-set", "train.steps=4", "-set", "train.refit=false", "-set", "data.label_column=1")
	if code != 0 || !strings.Contains(errs, "data.categories auto: island") || strings.Contains(errs, "data.categories auto: species") {
		t.Errorf("with data.label_column: exit %d: %s", code, errs)
	}
	os.WriteFile(holes, []byte("species,island,bill\nGentoo,Venus,NA\n"), 0o644)
	// Its class given, the row is completed, its unknown island as given.
	if code, _, errs := scorenet("impute", "-run", filepath.Join(dir, "run2"), "-in", holes, "-out", filled, "-set", "sample.steps=4"); code != 0 || !strings.Contains(errs, `written back as given (the first, line 2, column 2: "Venus" (column island))`) || !strings.Contains(errs, "column species is each row's class") {
		t.Errorf("impute on a labelled run, a name no level: exit %d, want the name named: %s", code, errs)
	} else if got := string(mustRead(t, filled)); !regexp.MustCompile(`^species,island,bill\nGentoo,Venus,[0-9.]+\n$`).MatchString(got) {
		t.Errorf("completed as:\n%s", got)
	}
	// A column the user leaves out is no category; under data.discrete:
	// none the names are still discrete.
	code, _, errs = scorenet("train", "-data", data, "-out", filepath.Join(dir, "run4"), "-set", "train.steps=4", "-set", "train.refit=false", "-set", "data.leave_out=[island]", "-set", "data.discrete=none")
	if code != 0 || !strings.Contains(errs, "data.categories auto: species") || strings.Contains(errs, "categories auto: species, island") || !strings.Contains(errs, "1 discrete column(s)") {
		t.Errorf("with data.leave_out and data.discrete none: exit %d: %s", code, errs)
	}
	ids := filepath.Join(dir, "cars.csv")
	b.Reset()
	b.WriteString("mpg,model,hp\n")
	for i := range 30 {
		fmt.Fprintf(&b, "%d,car %d,%d\n", 15+i%11, i, 90+i%13)
	}
	os.WriteFile(ids, []byte(b.String()), 0o644)
	code, _, errs = scorenet("train", "-data", ids, "-out", filepath.Join(dir, "run3"), "-set", "train.steps=4", "-set", "train.refit=false")
	if code != 0 || !strings.Contains(errs, "data.leave_out auto: model (30 different names in the first 30 rows)") {
		t.Errorf("a column of names that differ: exit %d, want it left out and said: %s", code, errs)
	}
	if c, _ := os.ReadFile(filepath.Join(dir, "run3", "config.yaml")); !strings.Contains(string(c), "leave_out:\n        - model") {
		t.Errorf("config.yaml lacks data.leave_out:\n%s", c)
	}
	if code, _, errs := scorenet("score", "-run", filepath.Join(dir, "run3"), "-in", ids, "-out", filepath.Join(dir, "s3.csv")); code != 0 {
		t.Errorf("score of the table itself, its model column left out: exit %d: %s", code, errs)
	}
	// Completed rows, the model column left out, read back.
	os.WriteFile(holes, []byte("mpg,model,hp\n20,car x,NA\n"), 0o644)
	if code, _, errs := scorenet("impute", "-run", filepath.Join(dir, "run3"), "-in", holes, "-out", filled, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("impute with a column left out: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("score", "-run", filepath.Join(dir, "run3"), "-in", filled, "-out", filepath.Join(dir, "s4.csv")); code != 0 {
		t.Errorf("score of the completed rows, which lack the column left out: exit %d: %s", code, errs)
	}
}

// readsBackAndMerges checks that run's score reads back its own samples
// (CSV and .npy), and that its shards merged are written as one sample run
// writes them (a category's names included).
func readsBackAndMerges(t *testing.T, run, dir, samples, npy, scoreHeader string) {
	t.Helper()
	for _, in := range []string{samples, npy} {
		back := filepath.Join(dir, "back.csv")
		if code, _, errs := scorenet("score", "-run", run, "-in", in, "-out", back); code != 0 {
			t.Errorf("score of its own samples %s: exit %d: %s", in, code, errs)
		} else if head, _, _ := strings.Cut(string(mustRead(t, back)), "\n"); head != scoreHeader {
			t.Errorf("score of %s: its header is %q, want %q", in, head, scoreHeader)
		}
	}
	for k := range 2 {
		if code, _, errs := scorenet("sample", "-run", run, "-n", "6", "-shard", fmt.Sprintf("%d/2", k), "-out", filepath.Join(dir, fmt.Sprintf("sh%d.csv", k)), "-set", "sample.steps=4"); code != 0 {
			t.Fatalf("shard %d: exit %d: %s", k, code, errs)
		}
	}
	merged, whole := filepath.Join(dir, "merged.csv"), filepath.Join(dir, "whole.csv")
	scorenet("sample", "-run", run, "-n", "6", "-out", whole, "-set", "sample.steps=4")
	if code, _, errs := scorenet("merge", "-out", merged, filepath.Join(dir, "sh0.csv"), filepath.Join(dir, "sh1.csv")); code != 0 {
		t.Errorf("merge: exit %d: %s", code, errs)
	} else if a := mustRead(t, merged); string(a) != string(mustRead(t, whole)) {
		t.Errorf("merged shards:\n%s\nwant as one run wrote them:\n%s", a, mustRead(t, whole))
	}
}

// mustRead is the file's bytes.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeRows writes a CSV of a header and n rows, row i by row(i).
func writeRows(t *testing.T, path, header string, n int, row func(i int) string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range n {
		b.WriteString(row(i) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A first column Id numbering the rows (Kaggle's iris) is left out, said
// at start-up, kept in config.yaml, and absent from the samples' header.
func TestTrainDataLeavesOutTheRowsNumbers(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "Iris.csv")
	var b strings.Builder
	b.WriteString("Id,x,y\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%d,%.3f,%.3f\n", i+1, math.Sin(float64(i)), math.Cos(float64(3*i)))
	}
	run, errs := trainBriefly(t, data, b.String())
	if !strings.Contains(errs, "data.leave_out auto: Id (the rows' numbers, 1 to 60 in order)") {
		t.Fatalf("want Id left out as the rows' numbers: %s", errs)
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "leave_out:\n        - Id\n") {
		t.Errorf("config.yaml lacks leave_out: [Id]:\n%s", c)
	}
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "5", "-out", samples, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	if text, _ := os.ReadFile(samples); !strings.HasPrefix(string(text), "x,y\n") {
		t.Errorf("samples:\n%s\nwant the header x,y", text)
	}
}

// trainBriefly writes text to data and trains 40 steps on it by train
// -data, on every row, into run beside it; it returns the run and
// train's stderr.
func trainBriefly(t *testing.T, data, text string) (run, errs string) {
	t.Helper()
	if err := os.WriteFile(data, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	run = filepath.Join(filepath.Dir(data), "run")
	code, out, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=40", "-set", "train.refit=false")
	if code != 0 {
		t.Fatalf("train -data %s: exit %d: %s%s", data, code, out, errs)
	}
	return run, errs
}

// A column of more than datasets.PlaceLevels names is learnt in binary
// digits: config.yaml records it, and every command that writes rows
// writes the names back in one column (sample as CSV and .npy, merged
// shards as one run writes them, impute and its spreads), and reads them
// back into digits (score of its own samples).
func TestTrainDataLearnsManyNamesInDigits(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "airports.csv")
	var b strings.Builder
	b.WriteString("state,lat,lon,kind\n") // two columns of names: categories, neither the class
	for i := range 120 {
		k := i % 12
		fmt.Fprintf(&b, "S%02d,%.2f,%.2f,%s\n", k, 30+2*float64(k)+0.1*float64(i%7), -100+3*float64(k%4)+0.1*float64(i%5), []string{"small", "large"}[i%2])
	}
	run, errs := trainBriefly(t, data, b.String())
	if !strings.Contains(errs, "learnt as 4 binary digits, a 0/1 column each") {
		t.Fatalf("want the state learnt in 4 binary digits, said: %s", errs)
	}
	if !strings.Contains(errs, "16 D = 64") || !strings.Contains(errs, "D = 4 columns, a category learnt in binary digits counted as one column, not as its digits (7 values in all)") {
		t.Errorf("the network's width counts the state once: %s", errs)
	}
	if c, _ := os.ReadFile(filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "bits: true") {
		t.Errorf("config.yaml lacks bits: true:\n%s", c)
	}
	isState := regexp.MustCompile(`^S(0[0-9]|1[01])$`)
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "20", "-out", samples, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, samples))), "\n")
	if lines[0] != "state,lat,lon,kind" {
		t.Fatalf("the samples' header is %q", lines[0])
	}
	for i, line := range lines[1:] {
		if cells := strings.Split(line, ","); len(cells) != 4 || !isState.MatchString(cells[0]) || !slices.Contains([]string{"small", "large"}, cells[3]) {
			t.Fatalf("sample %d is %q, want a state's name, two numbers and a kind", i, line)
		}
	}
	// The verdict judges the columns as the file holds them: its level
	// shares name a column of the four, never a digit's.
	if code, _, errs := scorenet("eval", "-run", run, "-n", "50", "-likelihood", "0", "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	var report struct {
		Samples struct {
			Verdict struct {
				Levels *struct {
					Column int    `json:"column"`
					Name   string `json:"name"`
				} `json:"level_shares"`
			} `json:"verdict"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(run, "eval.json")), &report); err != nil {
		t.Fatal(err)
	}
	if l := report.Samples.Verdict.Levels; l == nil || l.Column != 4 || !slices.Contains([]string{"small", "large"}, l.Name) {
		t.Errorf("level shares %+v, want the kind's, column 4 by name (the state's 12 levels are more than the verdict judges)", l)
	}
	npy := filepath.Join(dir, "s.npy")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "5", "-out", npy, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample -out .npy: exit %d: %s", code, errs)
	}
	if p, err := datasets.Load(npy); err != nil || p.D != 4 {
		t.Errorf("the .npy samples: %v columns, %v; want 4, the state's place one of them", p.D, err)
	}
	// The score's columns are the model's: the state's four digits.
	readsBackAndMerges(t, run, dir, samples, npy, "state.bit1,state.bit2,state.bit3,state.bit4,lat,lon,kind")
	holes, filled, spread := filepath.Join(dir, "holes.csv"), filepath.Join(dir, "filled.csv"), filepath.Join(dir, "spread.csv")
	os.WriteFile(holes, []byte("state,lat,lon,kind\n,44.1,-91,small\nS03,NA,-91,large\n"), 0o644)
	if code, out, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filled, "-spread", spread, "-n", "3", "-set", "sample.steps=4"); code != 0 || !strings.Contains(out, "completed 2 missing entries") {
		t.Fatalf("impute: exit %d, want 2 entries counted as the file holds them: %s%s", code, out, errs)
	}
	if got := mustRead(t, filled); !regexp.MustCompile(`^state,lat,lon,kind\nS(0[0-9]|1[01]),44.1,-91,small\nS03,[0-9.]+,-91,large\n$`).Match(got) {
		t.Errorf("imputed rows:\n%s", got)
	}
	far := filepath.Join(dir, "far.csv")
	os.WriteFile(far, []byte("state,lat,lon,kind\nS01,,-99999,small\n"), 0o644)
	if code, _, errs := scorenet("impute", "-run", run, "-in", far, "-out", filled, "-set", "sample.steps=4"); code == 0 || !strings.Contains(errs, "line 2, column 3: -99999 is beyond the reach") {
		t.Errorf("a value beyond the model's reach: exit %d, want its column as the file numbers it: %s", code, errs)
	}
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("state,lat,kind\nS01,40,small\n"), 0o644)
	if code, _, errs := scorenet("score", "-run", run, "-in", short, "-out", filepath.Join(dir, "q.csv")); code == 0 || !strings.Contains(errs, "has 3 columns, the run's rows have 4") {
		t.Errorf("rows of a column too few: exit %d, want the columns counted as the file holds them: %s", code, errs)
	}
	if got := mustRead(t, spread); !regexp.MustCompile(`^state,lat,lon,kind\n[0-9.e-]+,0,0,0\n0,[0-9.e-]+,0,0\n$`).Match(got) {
		t.Errorf("the draws' spreads, a column each:\n%s", got)
	}
}

// A run trained with data.quantile_valleys false records it, and the
// commands that read the run prepare its data as it did: eval, which reads
// the run's config.yaml as a plain config with its -set, found a quantile
// map the checkpoint did not record and called it edited.
func TestQuantileValleysOffIsKept(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("race,weight\n")
	for i := range 100 {
		race := map[bool]int{true: 1, false: 3}[i%100 < 52]
		if i%100 >= 87 {
			race = 2
		}
		fmt.Fprintf(&b, "%d,%.1f\n", race, 2500+float64(i%37)*20)
	}
	data := filepath.Join(dir, "births.csv")
	os.WriteFile(data, []byte(b.String()), 0o644)
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=40", "-set", "train.refit=false", "-set", "data.quantile_valleys=false"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	if c := mustRead(t, filepath.Join(run, "config.yaml")); !strings.Contains(string(c), "quantile_valleys: false") {
		t.Errorf("config.yaml lacks quantile_valleys: false:\n%s", c)
	}
	if code, _, errs := scorenet("eval", "-run", run, "-n", "50", "-likelihood", "0", "-set", "sample.steps=4"); code != 0 {
		t.Errorf("eval: exit %d: %s", code, errs)
	}
}

// A plant's type follows from the plant in every row (R's CO2): train
// finds it, says it and keeps it through the refit into config.yaml, and
// every sample pairs a plant with its own type.
func TestFollowingCategoriesAreSetFromTheirs(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("plant,type,uptake\n")
	for i := range 120 {
		plant := i % 12
		fmt.Fprintf(&b, "P%d,%s,%.2f\n", plant, []string{"Quebec", "Mississippi"}[plant/6], 20+float64(plant)+0.3*float64(i%7))
	}
	data := filepath.Join(dir, "co2.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=40", "-set", "train.refit=true", "-set", "train.eval_every=10", "-set", "model.hidden=[8]")
	if code != 0 || !strings.Contains(errs, "whose level follows from another's in every row, set from it in the samples: type from plant") {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=70"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	for _, config := range []string{filepath.Join(run, "select", "config.yaml"), filepath.Join(run, "config.yaml")} { // the refit's and, resumed, its own
		if c := string(mustRead(t, config)); !strings.Contains(c, "follows: plant") || !strings.Contains(c, "follow_levels:") {
			t.Errorf("%s lacks type's follows:\n%s", config, c)
		}
	}
	out := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "200", "-out", out, "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(mustRead(t, out))), "\n")[1:] {
		f := strings.Split(line, ",")
		var plant int
		if _, err := fmt.Sscanf(f[0], "P%d", &plant); err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		if want := []string{"Quebec", "Mississippi"}[plant/6]; f[1] != want {
			t.Fatalf("sample %q: plant P%d is of type %s", line, plant, want)
		}
	}
	// impute fills a missing type from its row's plant, and leaves a
	// given one as the user gave it.
	holes := filepath.Join(dir, "holes.csv")
	os.WriteFile(holes, []byte("plant,type,uptake\nP1,,22.1\nP9,,30.4\nP2,Mississippi,21\n"), 0o644)
	filled := filepath.Join(dir, "filled.csv")
	if code, _, errs := scorenet("impute", "-run", run, "-in", holes, "-out", filled, "-n", "4", "-set", "sample.steps=4"); code != 0 {
		t.Fatalf("impute: exit %d: %s", code, errs)
	}
	got := strings.Split(strings.TrimSpace(string(mustRead(t, filled))), "\n")[1:]
	for k, want := range []string{"P1,Quebec,", "P9,Mississippi,", "P2,Mississippi,"} {
		if !strings.HasPrefix(got[k], want) {
			t.Errorf("imputed row %d %q, want it to start %q", k+1, got[k], want)
		}
	}
}

// A table of 21 rows, none held out, is judged for nearness against its
// rows' own spacing, but too noisy a baseline to stop the solver by:
// sample.sigma_stop auto stays 0 and says why.
func TestTinyTableKeepsItsSolverEnd(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 21 {
		fmt.Fprintf(&b, "%.3f,%.3f\n", math.Sin(float64(i)), math.Cos(float64(2*i)))
	}
	data := filepath.Join(dir, "tiny.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=4", "-set", "data.holdout=0", "-set", "train.refit=false", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	code, _, errs := scorenet("sample", "-run", run, "-n", "50", "-out", filepath.Join(dir, "s.csv"), "-set", "sample.steps=4")
	if code != 0 || !strings.Contains(errs, "sample.sigma_stop auto: 0 (21 training rows and too few held out: too few to choose a level by)") || !strings.Contains(errs, "as far as a training row's from the others") {
		t.Errorf("sample: exit %d; want no level chosen and a nearness measured: %s", code, errs)
	}
}

// A column blank in most rows (Titanic's cabin) is left out, said, and
// the rows kept; -set data.leave_out=[] keeps it and drops the rows.
func TestSparseColumnLeftOutNotItsRows(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("fare,cabin,age\n")
	for i := range 80 {
		cabin := ""
		if i%4 == 0 {
			cabin = fmt.Sprint(100 + i)
		}
		fmt.Fprintf(&b, "%.2f,%s,%d\n", 7+float64(i%13), cabin, 20+i%40)
	}
	data := filepath.Join(dir, "titanic.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := scorenet("train", "-data", data, "-out", filepath.Join(dir, "run"), "-set", "train.steps=4", "-set", "train.refit=false", "-set", "model.hidden=[8]")
	if code != 0 || !strings.Contains(errs, "data.leave_out auto: cabin (60 of its first 80 cells missing): missing in more than half the rows") || !strings.Contains(errs, "data: 80 points of dimension 2") {
		t.Errorf("train: exit %d; want cabin left out and 80 rows kept: %s", code, errs)
	}
	code, _, errs = scorenet("train", "-data", data, "-out", filepath.Join(dir, "kept"), "-set", "train.steps=4", "-set", "train.refit=false", "-set", "model.hidden=[8]", "-set", "data.leave_out=[]", "-set", "data.holdout=0")
	if code != 0 || strings.Contains(errs, "data.leave_out auto") || !strings.Contains(errs, "data: 20 points of dimension 3") {
		t.Errorf("train with data.leave_out=[]: exit %d; want the 20 complete rows: %s", code, errs)
	}
}

// A column of names that would be the class, but whose names -class
// could not read (one holds a comma), is learnt as a category, said; and
// -set data.label_column=none makes the auto class column a category.
func TestClassColumnThatCannotBeOne(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("country,life,income\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%s,%.1f,%d\n", []string{`"Hong Kong, China"`, "Chile", "Peru"}[i%3], 60+float64(i%7), 1000+37*i)
	}
	data := filepath.Join(dir, "countries.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := scorenet("sigmas", "-data", data)
	if code != 0 || !strings.Contains(errs, `data.label_column auto: none: country's names would be its classes, but the name "Hong Kong, China" holds a comma, which -class reads between classes: a category instead`) ||
		!strings.Contains(errs, "data.categories auto: country") {
		t.Errorf("a class column whose names -class cannot read: exit %d: %s", code, errs)
	}
	var flowers strings.Builder
	flowers.WriteString("width,height,species\n")
	for i := range 60 {
		fmt.Fprintf(&flowers, "%.2f,%.2f,%s\n", 1+float64(i%3)+0.01*float64(i%7), 2+0.5*float64(i%3), []string{"setosa", "versicolor", "virginica"}[i%3])
	}
	data = filepath.Join(dir, "flowers.csv")
	if err := os.WriteFile(data, []byte(flowers.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	code, _, errs = scorenet("train", "-data", data, "-out", run, "-set", "train.steps=4", "-set", "train.refit=false", "-set", "data.label_column=none")
	if code != 0 || strings.Contains(errs, "data.label_column auto: species") || !strings.Contains(errs, "data.categories auto: species") {
		t.Errorf("data.label_column=none: exit %d: %s", code, errs)
	}
	if c := string(mustRead(t, filepath.Join(run, "config.yaml"))); strings.Contains(c, "label_column") || !strings.Contains(c, "column: species") {
		t.Errorf("config.yaml of data.label_column=none:\n%s", c)
	}
	// A table of pixels with its class first: with the class kept as a
	// number, its 65 columns are no image, and the MLP learns them.
	var pixels strings.Builder
	pixels.WriteString("label")
	for p := range 64 {
		fmt.Fprintf(&pixels, ",p%d", p)
	}
	pixels.WriteString("\n")
	for i := range 300 {
		fmt.Fprintf(&pixels, "%d", i%3)
		cx, cy := 1+6*math.Mod(0.618*float64(i), 1), 1+6*math.Mod(0.382*float64(i*i%97), 1) // a blob anywhere
		for p := range 64 {
			x, y := float64(p%8)-cx, float64(p/8)-cy
			fmt.Fprintf(&pixels, ",%d", int(255*math.Exp(-(x*x+y*y)/3)))
		}
		pixels.WriteString("\n")
	}
	data = filepath.Join(dir, "pixels.csv")
	os.WriteFile(data, []byte(pixels.String()), 0o644)
	if code, out, errs := scorenet("sigmas", "-data", data); code != 0 || !strings.Contains(out+errs, "model.type unet") {
		t.Fatalf("a table of pixels, its class first: exit %d, want the unet: %s%s", code, out, errs)
	}
	if code, out, errs := scorenet("sigmas", "-data", data, "-set", "data.label_column=none"); code != 0 || strings.Contains(out+errs, "unet") || !strings.Contains(out, "dimension 65") {
		t.Errorf("a table of pixels with data.label_column=none: exit %d, want the MLP on 65 columns: %s%s", code, out, errs)
	}
}

// A run whose class column is given by number, first, reads back its own
// samples, which it writes without the class: the value column in the
// class's place holds no classes, and the file is read without one (a
// second reader found every reader refusing them once a bad cell beside
// a class column was named where it is).
func TestNumberedClassColumnReadsItsSamples(t *testing.T) {
	dir := t.TempDir()
	data, rng := filepath.Join(dir, "w.csv"), rand.New(rand.NewPCG(31, 32))
	var b strings.Builder
	for i := range 150 {
		fmt.Fprintf(&b, "%d,%.3f,%.3f,%.3f\n", i%3, float64(i%3)+rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64())
	}
	os.WriteFile(data, []byte(b.String()), 0o644)
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "data.label_column=1", "-set", "train.steps=20", "-set", "model.hidden=[8]", "-set", "train.refit=false", "-threads", "1"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	for _, out := range []string{"s.csv", "s.npy"} {
		samples := filepath.Join(dir, out)
		if code, _, errs := scorenet("sample", "-run", run, "-n", "20", "-out", samples, "-set", "sample.steps=4"); code != 0 {
			t.Fatalf("sample -out %s: exit %d: %s", out, code, errs)
		}
		if code, _, errs := scorenet("score", "-run", run, "-in", samples, "-out", filepath.Join(dir, "scores.csv")); code != 0 {
			t.Errorf("score of its samples %s: exit %d: %s", out, code, errs)
		}
	}
}
