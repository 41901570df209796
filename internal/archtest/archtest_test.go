package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "scorenet"

// Groups of packages the rules name.
var (
	gorgonia = []string{"gorgonia.org/gorgonia", "gorgonia.org/tensor"}
	// theApplication are the packages that turn configs and runs into
	// work: nothing below them may reach up to them.
	theApplication = []string{"scorenet/workflow", "scorenet/train", "scorenet/evaluate", "scorenet/cmd/scorenet"}
	// anything is every package of the module.
	anything = []string{module + "/"}
)

func pkgs(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = module + "/" + n
	}
	return out
}

func join(lists ...[]string) []string { return slices.Concat(lists...) }

// mayNot is, for each package, what it may not depend on, directly or
// not: the "may not" column of docs/ARCHITECTURE.md.
var mayNot = map[string][]string{
	"score":               anything,
	"points":              anything,
	"density":             join(pkgs("datasets", "configs", "nn", "sampler", "likelihood"), gorgonia),
	"datasets":            join(pkgs("nn", "internal/mlp", "losses", "configs", "sampler"), gorgonia, theApplication),
	"metrics":             join(pkgs("nn", "configs", "sampler"), gorgonia, theApplication),
	"plots":               join(pkgs("nn", "configs", "sampler"), gorgonia, theApplication),
	"progress":            join(pkgs("nn", "configs", "sampler"), gorgonia, theApplication),
	"checkpoints":         join(pkgs("nn", "configs", "datasets"), gorgonia, theApplication),
	"internal/gemm":       join(pkgs("nn", "internal/mlp"), gorgonia),
	"internal/vmath":      join(pkgs("nn", "internal/mlp"), gorgonia),
	"internal/cpu":        anything,
	"internal/seeds":      pkgs("configs", "nn", "datasets"),
	"internal/memlimit":   pkgs("configs", "nn", "datasets"),
	"internal/safefile":   anything,
	"internal/noisescale": join(pkgs("configs", "datasets", "nn"), gorgonia, theApplication),
	"internal/ode":        join(pkgs("score", "sampler", "nn", "configs"), gorgonia),
	"internal/strictyaml": pkgs("configs", "nn", "losses", "datasets"),
	"internal/mlp":        join(pkgs("nn", "losses", "configs"), gorgonia),
	"internal/unet":       join(pkgs("nn", "losses", "configs"), gorgonia),
	"nn":                  join(pkgs("losses", "configs", "datasets", "checkpoints"), theApplication),
	"losses":              join(pkgs("configs", "datasets", "checkpoints", "sampler"), theApplication),
	"configs":             join(pkgs("checkpoints", "sampler", "likelihood"), theApplication),
	"sampler":             join(pkgs("configs", "datasets", "nn", "losses", "checkpoints", "likelihood"), gorgonia, theApplication),
	"likelihood":          join(pkgs("configs", "datasets", "nn", "losses", "checkpoints"), gorgonia, theApplication),
	"rundir":              join(pkgs("workflow", "train", "evaluate", "sampler", "likelihood", "plots", "cmd/scorenet")),
	"workflow":            pkgs("train", "evaluate", "cmd/scorenet"),
	"train":               pkgs("evaluate", "cmd/scorenet"),
	"evaluate":            pkgs("train", "cmd/scorenet"),
	"cmd/scorenet":        nil, // see TestOnlyTheTrainCommandImportsTrain
	"bench/scorenetbench": nil,
	"internal/archtest":   nil,
}

// imports are the packages each package of the module imports, from its
// non-test Go files, by import path.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module + "/" + filepath.ToSlash(rel)
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !slices.Contains(out[pkg], p) {
				out[pkg] = append(out[pkg], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deps is every package pkg reaches through the module's packages, with
// the path by which it first reaches each, for the message.
func deps(graph map[string][]string, pkg string) map[string]string {
	via := map[string]string{}
	var walk func(p, path string)
	walk = func(p, path string) {
		for _, q := range graph[p] {
			if _, seen := via[q]; seen {
				continue
			}
			via[q] = path + " -> " + q
			if strings.HasPrefix(q, module+"/") {
				walk(q, via[q])
			}
		}
	}
	walk(pkg, pkg)
	return via
}

func TestImportsKeepTheMap(t *testing.T) {
	graph := imports(t)
	var names []string
	for p := range graph {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		rules, ok := mayNot[strings.TrimPrefix(p, module+"/")]
		if !ok {
			t.Errorf("%s has no line in the import rules (internal/archtest) nor, likely, on docs/ARCHITECTURE.md's map", p)
			continue
		}
		reach := deps(graph, p)
		for _, banned := range rules {
			for q, path := range reach {
				if q == banned || (strings.HasSuffix(banned, "/") && strings.HasPrefix(q, banned)) {
					t.Errorf("%s may not import %s, but does: %s", p, strings.TrimSuffix(banned, "/"), path)
				}
			}
		}
	}
}

// rows are the packages of docs/ARCHITECTURE.md's table of rooms, by the
// row that names them in its first cell, lowest first.
func rows(t *testing.T) map[string]int {
	t.Helper()
	doc, err := os.ReadFile("../../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]int{}
	n := 0
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || !strings.Contains(cells[1], "`") {
			continue
		}
		n++
		for _, name := range regexp.MustCompile("`([a-z/]+)`").FindAllStringSubmatch(cells[1], -1) {
			row[module+"/"+name[1]] = n
		}
	}
	return row
}

// Every package is on docs/ARCHITECTURE.md's map, and imports only
// packages of rows above its own: the map's order is the dependency order.
func TestTheMapNamesEveryPackageInOrder(t *testing.T) {
	row := rows(t)
	for p, imps := range imports(t) {
		mine, ok := row[p]
		if !ok {
			t.Errorf("docs/ARCHITECTURE.md's table does not name `%s`", strings.TrimPrefix(p, module+"/"))
			continue
		}
		for _, q := range imps {
			if theirs, ok := row[q]; ok && theirs >= mine {
				t.Errorf("%s imports %s, which is not above it on docs/ARCHITECTURE.md's map", p, q)
			}
		}
	}
}

// The commands that read a run never import the trainer: in cmd/scorenet
// only train.go does.
func TestOnlyTheTrainCommandImportsTrain(t *testing.T) {
	files, err := filepath.Glob("../../cmd/scorenet/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "train.go" {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if strings.Trim(imp.Path.Value, `"`) == module+"/train" {
				t.Errorf("%s imports scorenet/train; only train.go may", path)
			}
		}
	}
}
