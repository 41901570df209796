package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/workflow"
)

// Shards drawn by separate processes, on different numbers of threads and
// merged, are bit-identical to one unsharded run; merge refuses shards
// that do not belong together or leave one out.
func TestShardedSamplingMatchesOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sampling processes")
	}
	bin := binary(t)
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[32,32]", "-set", "train.steps=200", "-set", "data.n=2000"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("scorenet %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	common := []string{"-run", runDir, "-n", "301", "-seed", "5", "-set", "sample.steps_per_level=20"}
	whole := filepath.Join(dir, "whole.csv")
	run(append([]string{"sample", "-threads", "1", "-out", whole}, common...)...)
	var shards []string
	for k, threads := range []string{"2", "1", "8"} {
		f := filepath.Join(dir, "shard"+string(rune('0'+k))+".npy")
		run(append([]string{"sample", "-threads", threads, "-shard", string(rune('0'+k)) + "/3", "-out", f}, common...)...)
		shards = append(shards, f)
	}
	merged := filepath.Join(dir, "merged.csv")
	out := run(append([]string{"merge", "-out", merged}, shards[2], shards[0], shards[1])...)
	if !strings.Contains(out, "merged 3 shards, 301 chains, into "+merged) {
		t.Errorf("merge said %q", out)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(merged)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the merged shards differ from the unsharded run (%d and %d bytes)", len(a), len(b))
	}

	// What merge refuses.
	other := filepath.Join(dir, "other.npy")
	run(append([]string{"sample", "-shard", "1/3", "-out", other}, append(common, "-seed", "6")...)...)
	for _, c := range []struct {
		files []string
		want  string
	}{
		{shards[:2], "shard 2/3 is missing"},
		{[]string{shards[0], shards[0], shards[1], shards[2]}, "shard 0/3 given twice"},
		{[]string{shards[0], other, shards[2]}, "is from another sampling than"},
		{[]string{whole}, "no shard information"},
	} {
		code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "bad.csv")}, c.files...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("merge %v: exit %d, %q; want %q", c.files, code, errs, c.want)
		}
	}
	if code, _, errs := scorenet(append([]string{"sample", "-shard", "3/3", "-out", filepath.Join(dir, "x.csv")}, common...)...); code == 0 || !strings.Contains(errs, "want k/N with 0 <= k < N") {
		t.Errorf("-shard 3/3: exit %d, %q", code, errs)
	}
}

// Each attack on merge found by the red team of issue 19, reproduced:
// shards that do not belong together, a shard's bytes changed after
// sample wrote them, sidecars that lie, and -out onto an input. merge
// refuses every one with one line naming the file and what differs.
func TestMergeRefusesWhatDoesNotBelong(t *testing.T) {
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	train := func(seed string) {
		t.Helper()
		if code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir,
			"-set", "seed="+seed, "-set", "model.hidden=[16]", "-set", "train.steps=800", "-set", "train.checkpoint_every=400",
			"-set", "train.eval_every=0", "-set", "train.ema=0.99", "-set", "data.n=500"); code != 0 {
			t.Fatalf("train: %s", errs)
		}
	}
	train("11")
	draw := func(name, spec string, args ...string) string {
		t.Helper()
		f := filepath.Join(dir, name)
		args = append([]string{"sample", "-run", runDir, "-n", "40", "-set", "sample.steps_per_level=2", "-shard", spec, "-out", f}, args...)
		if code, _, errs := scorenet(args...); code != 0 {
			t.Fatalf("scorenet %s: %s", strings.Join(args, " "), errs)
		}
		return f
	}
	merge := func(files ...string) (int, string) {
		t.Helper()
		code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "merged.csv")}, files...)...)
		return code, errs
	}
	// copyShard copies a shard and its sidecar to name, changing them.
	copyShard := func(from, name string, data func([]byte) []byte, side func(string) string) string {
		t.Helper()
		to := filepath.Join(dir, name)
		b, _ := os.ReadFile(from)
		s, _ := os.ReadFile(sidecar(from))
		if err := os.WriteFile(to, data(b), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sidecar(to), []byte(side(string(s))), 0o644); err != nil {
			t.Fatal(err)
		}
		return to
	}
	same := func(b []byte) []byte { return b }
	sameSide := func(s string) string { return s }

	a0, a1 := draw("a0.csv", "0/2"), draw("a1.csv", "1/2")
	if code, errs := merge(a0, a1); code != 0 {
		t.Fatalf("merging two good shards: %s", errs)
	}
	step400 := draw("step400.csv", "1/2", "-checkpoint", filepath.Join(runDir, "checkpoints", "step-000000400.safetensors"))
	raw := draw("raw.csv", "1/2", "-weights", "raw")
	otherRows := draw("other-rows.csv", "1/2", "-seed", "6")
	// Two writers of one -out: a1's sidecar now sits beside another
	// sampling's rows of the same shard.
	raced := copyShard(a1, "raced.csv", func([]byte) []byte { b, _ := os.ReadFile(otherRows); return b }, sameSide)
	truncated := copyShard(a1, "truncated.csv", func(b []byte) []byte { return b[:len(b)-3] }, sameSide)
	shards := func(v string) func(string) string {
		return func(s string) string { return strings.Replace(s, `"shards": 2`, `"shards": `+v, 1) }
	}
	zero := copyShard(a1, "zero.csv", same, shards("0"))
	negative := copyShard(a1, "negative.csv", same, shards("-5"))
	old := copyShard(a1, "old.csv", same, func(s string) string {
		return regexp.MustCompile(`(?s)"format".*?"checkpoint_sha256": "[0-9a-f]*",`).ReplaceAllString(s, `"run": "`+runDir+`", "checkpoint": "step-000000800.safetensors",`)
	})
	// The run deleted and trained again at the same path, with another seed.
	if err := os.RemoveAll(runDir); err != nil {
		t.Fatal(err)
	}
	train("12")
	retrained := draw("retrained.csv", "1/2")

	for _, c := range []struct {
		name  string
		files []string
		want  string
	}{
		{"another checkpoint of the run", []string{a0, step400}, step400 + " is from another sampling than " + a0 + `: step 400, not 800; checkpoint_sha256 `},
		{"raw weights with EMA", []string{a0, raw}, raw + " is from another sampling than " + a0 + `: weights "raw", not "ema"`},
		{"the run retrained with another seed", []string{a0, retrained}, retrained + " is from another sampling than " + a0 + ": seed 12, not 11; data_sha256 "},
		{"another sampling's rows beside a sidecar", []string{a0, raced}, raced + ": its bytes are not those sample wrote (sha256 "},
		{"a CSV cut short by 3 bytes", []string{a0, truncated}, truncated + ": its bytes are not those sample wrote"},
		{"shards 0", []string{zero}, sidecar(zero) + `: key "shards" is 0: want at least 1 shard`},
		{"shards -5", []string{a0, negative}, sidecar(negative) + `: key "shards" is -5: want at least 1 shard`},
		{"an older sidecar", []string{a0, old}, sidecar(old) + `: written by an older scorenet (no key "version"): its shard cannot be checked; draw the shard again with this version of sample -shard`},
	} {
		code, errs := merge(c.files...)
		t.Logf("%s: %s", c.name, errs)
		if code == 0 || !strings.HasPrefix(errs, "scorenet merge: "+c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: merge exit %d, %q; want one line starting %q", c.name, code, errs, "scorenet merge: "+c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "merged.csv")); err != nil {
		t.Errorf("the good merge's output: %v", err)
	}

	// -out onto an input, by its name, its sidecar's, or a hard link.
	link := filepath.Join(dir, "link.csv")
	if err := os.Link(a0, link); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(a0)
	for _, out := range []string{a0, sidecar(a1), link, dir + "/run/../a0.csv"} {
		code, _, errs := scorenet("merge", "-out", out, a0, a1)
		t.Logf("-out %s: %s", out, errs)
		if want := "scorenet merge: -out " + out + " would overwrite "; code == 0 || !strings.HasPrefix(errs, want) || !strings.HasSuffix(errs, ", one of the files merge reads: write the merged samples to another file\n") {
			t.Errorf("merge -out %s: exit %d, %q; want %q...", out, code, errs, want)
		}
	}
	if after, _ := os.ReadFile(a0); !bytes.Equal(before, after) {
		t.Errorf("a refused merge changed its input")
	}
}

// testShardInfo is a valid sidecar of shard 1/3 of 10 chains of dimension 2,
// but for its file digest.
func testShardInfo() shardInfo {
	return shardInfo{Format: shardFormat, Version: shardVersion, Run: "/runs/mixture", Name: "mixture", Seed: 11,
		DataSHA256: strings.Repeat("d", 64), Checkpoint: "step-000000800.safetensors", CheckpointSHA256: strings.Repeat("c", 64),
		Step: 800, Weights: "ema", Sample: testSample(), Score: "network", Chains: 10, Dim: 2,
		Shard: 1, Shards: 3, First: 3, Count: 3, FileSHA256: strings.Repeat("f", 64)}
}

// testSample is a whole sample section, seed 5, as a sidecar records it.
func testSample() string {
	s := configs.Default().Sample
	s.Seed = 5
	b, _ := json.Marshal(s)
	return string(b)
}

func testSidecar(t testing.TB, edit func(map[string]any)) []byte {
	t.Helper()
	b, err := json.Marshal(testShardInfo())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if edit != nil {
		edit(m)
	}
	b, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every key of a sidecar is checked: present, of its type, in its range,
// and the shard's chains where shardRange puts them; errors are one line
// naming the file and the key.
func TestShardSidecarValidation(t *testing.T) {
	if info, err := parseShardInfo("s.csv.shard.json", testSidecar(t, nil)); err != nil || info != testShardInfo() {
		t.Fatalf("a valid sidecar: %+v, %v", info, err)
	}
	set := func(key string, v any) func(map[string]any) { return func(m map[string]any) { m[key] = v } }
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"not JSON", []byte(`{"shards": 2`), "not a shard sidecar (not a JSON object: unexpected end of JSON input)"},
		{"an array", []byte(`[1, 2]`), "not a shard sidecar (not a JSON object: json: cannot unmarshal array"},
		{"null", []byte(`null`), "not a shard sidecar (not a JSON object)"},
		{"no version nor shards", []byte(`{"a": 1}`), `not a shard sidecar (no key "version")`},
		{"an older sidecar", []byte(`{"run": "/r", "checkpoint": "c", "step": 1, "sample": "{}", "score": "network", "chains": 4, "shard": 0, "shards": 2, "first": 0, "count": 2}`),
			`written by an older scorenet (no key "version")`},
		{"another format", testSidecar(t, set("format", "npy")), `key "format" is "npy", want "scorenet.shard"`},
		{"version 1", testSidecar(t, set("version", 1)), `key "version" is 1: this scorenet reads shard sidecars of version 3`},
		{"version 2.0", testSidecar(t, set("version", 2.5)), `key "version" is 2.5: this scorenet reads`},
		{"unknown key", testSidecar(t, set("Shards", -5)), `unknown key "Shards"`},
		{"null shards", testSidecar(t, set("shards", nil)), `key "shards" is missing`},
		{"shards as a string", testSidecar(t, set("shards", "3")), `key "shards" is a JSON string, want integer`},
		{"fractional chains", testSidecar(t, set("chains", 10.5)), `key "chains" is a JSON number 10.5, want integer`},
		{"negative seed", testSidecar(t, set("seed", -1)), `key "seed" is a JSON number -1, want integer >= 0`},
		{"relative run", testSidecar(t, set("run", "runs/x")), `key "run" is "runs/x": want the run's absolute directory`},
		{"checkpoint path", testSidecar(t, set("checkpoint", "../x")), `key "checkpoint" is "../x": want a checkpoint's file name`},
		{"short hash", testSidecar(t, set("checkpoint_sha256", "abc")), `key "checkpoint_sha256" is "abc": want 64 hexadecimal digits`},
		{"upper-case data hash", testSidecar(t, set("data_sha256", strings.Repeat("D", 64))), `key "data_sha256" is "DDDD`},
		{"no file digest", testSidecar(t, set("file_sha256", "")), `key "file_sha256" is "": want 64 hexadecimal digits`},
		{"negative step", testSidecar(t, set("step", -1)), `key "step" is -1: want a step >= 0`},
		{"weights", testSidecar(t, set("weights", "both")), `key "weights" is "both": want ema or raw`},
		{"score", testSidecar(t, set("score", "exact")), `key "score" is "exact": want network or analytic`},
		{"sample not an object", testSidecar(t, set("sample", "[1]")), `key "sample" is "[1]": want the sample settings as a JSON object`},
		{"no chains", testSidecar(t, set("chains", 0)), `key "chains" is 0: want 1 to 100000000 chains`},
		{"too many chains", testSidecar(t, set("chains", 1e12)), `key "chains" is 1000000000000: want 1 to 100000000 chains`},
		{"dimension 0", testSidecar(t, set("dim", 0)), `key "dim" is 0: want a dimension of 1 to`},
		{"shards 0", testSidecar(t, set("shards", 0)), `key "shards" is 0: want at least 1 shard`},
		{"shards -5", testSidecar(t, set("shards", -5)), `key "shards" is -5: want at least 1 shard`},
		{"more shards than chains", testSidecar(t, set("shards", 11)), `key "shards" is 11: more shards than the 10 chains`},
		{"shard 3 of 3", testSidecar(t, set("shard", 3)), `key "shard" is 3: want 0 to 2, one of the 3 shards`},
		{"shard -1", testSidecar(t, set("shard", -1)), `key "shard" is -1: want 0 to 2, one of the 3 shards`},
		{"first", testSidecar(t, set("first", 0)), `key "first" is 0: shard 1/3 of 10 chains starts at chain 3`},
		{"count", testSidecar(t, set("count", 4)), `key "count" is 4: shard 1/3 of 10 chains holds 3`},
		{"a newline in a value", []byte(`{"version": 2, "format": {` + "\n" + `}}`), `key "format" is {`},
	}
	for _, key := range sidecarKeys {
		if key == "version" {
			continue // an older sidecar, above
		}
		cases = append(cases, struct {
			name string
			b    []byte
			want string
		}{"no " + key, testSidecar(t, func(m map[string]any) { delete(m, key) }), fmt.Sprintf("key %q is missing", key)})
	}
	for _, c := range cases {
		_, err := parseShardInfo("s.csv.shard.json", c.b)
		if err == nil || !strings.HasPrefix(err.Error(), "s.csv.shard.json: ") || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line containing %q", c.name, err, c.want)
		}
	}
}

// Two sample processes writing one -out: whichever order their renames
// land in, merge reads a data file only with its own sidecar, and refuses
// it otherwise, naming it.
func TestShardWritersRacingOnOneFileNeverPair(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.csv")
	outcomes := map[string]int{}
	for round := range 40 {
		rows := map[uint64]points.Points{}
		var wg sync.WaitGroup
		for w := range 2 {
			info := testShardInfo()
			info.Seed = uint64(100*round + w)
			p := points.New(info.Count, info.Dim)
			for i := range p.X {
				p.X[i] = float64(info.Seed) + float64(i)/7
			}
			rows[info.Seed] = p
			wg.Go(func() {
				// As sample does: its output first, then the shard's
				// atomic data file and sidecar.
				if err := datasets.WriteFile(out, p); err != nil {
					t.Error(err)
				}
				if err := writeShard(out, p, info); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		info, err := readShardInfo(out)
		if err != nil {
			t.Fatal(err)
		}
		p, err := readShard(out, info)
		switch {
		case err == nil && slices.Equal(p.X, rows[info.Seed].X):
			outcomes["paired"]++
		case err != nil && strings.HasPrefix(err.Error(), out+": its bytes are not those sample wrote"):
			outcomes["refused"]++
		default:
			t.Fatalf("round %d: merge read %v (%v) beside the sidecar of writer %d", round, p.X, err, info.Seed)
		}
	}
	t.Logf("outcomes of 40 races: %v", outcomes)
}

// A sidecar as sample writes it reads back as written.
func TestShardSidecarRoundTrip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.npy")
	info := testShardInfo()
	p := points.New(info.Count, info.Dim)
	p.X[3] = 1.5
	if err := writeShard(out, p, info); err != nil {
		t.Fatal(err)
	}
	got, err := readShardInfo(out)
	b, _ := os.ReadFile(out)
	info.FileSHA256 = sha256Hex(b)
	if err != nil || got != info {
		t.Fatalf("read back %+v, %v; want %+v", got, err, info)
	}
	if q, err := readShard(out, got); err != nil || !slices.Equal(q.X, p.X) {
		t.Errorf("read back %v, %v", q.X, err)
	}
	if err := writeShard(out, points.New(2, 2), info); err == nil || !strings.Contains(err.Error(), "2 samples of dimension 2, the shard holds 3 of dimension 2") {
		t.Errorf("writing 2 rows as a shard of 3: %v", err)
	}
	dir := filepath.Dir(out) + "/"
	if _, _, err := mergeShards([]string{dir}); err == nil || err.Error() != dir+" is a directory: merge joins .csv and .npy shards (image shards drawn into one directory are joined by their file names)" {
		t.Errorf("merging a directory: %v", err)
	}
}

// FuzzShardSidecar feeds arbitrary bytes to the sidecar parser: it never
// panics, refuses with one line naming the file, and what it accepts is a
// consistent shard that reads back the same.
func FuzzShardSidecar(f *testing.F) {
	f.Add(testSidecar(f, nil))
	for _, edit := range []func(map[string]any){
		func(m map[string]any) { m["shards"] = 0 },
		func(m map[string]any) { m["shards"] = -5 },
		func(m map[string]any) { m["shard"] = 3 },
		func(m map[string]any) { m["chains"] = 1e300 },
		func(m map[string]any) { m["count"] = 4 },
		func(m map[string]any) { delete(m, "version") },
		func(m map[string]any) { m["sample"] = "{\n}" },
		func(m map[string]any) { m["SHARDS"] = 1 },
		func(m map[string]any) { m["shards"], m["chains"], m["shard"], m["first"], m["count"] = 1, 1, 0, 0, 1 },
	} {
		f.Add(testSidecar(f, edit))
	}
	f.Add([]byte(`{"run": "/r", "checkpoint": "c", "step": 1, "sample": "{}", "score": "network", "chains": 4, "shard": 0, "shards": 2, "first": 0, "count": 2}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"version": 2, "format": "scorenet.shard", "shards": 9223372036854775807}`))
	f.Add([]byte("\xff{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseShardInfo("f.shard.json", b)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "f.shard.json: ") || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error %q: want one line naming the file", msg)
			}
			return
		}
		first, count, rerr := shardRange(fmt.Sprintf("%d/%d", info.Shard, info.Shards), info.Chains)
		if rerr != nil || info.Shards < 1 || info.Shard < 0 || info.Shard >= info.Shards || info.First != first || info.Count != count ||
			count < 1 || info.Dim < 1 || !rundir.IsSHA256(info.FileSHA256) || !rundir.IsSHA256(info.CheckpointSHA256) {
			t.Fatalf("accepted an inconsistent shard %+v (%v)", info, rerr)
		}
		again, _ := json.Marshal(info)
		if back, err := parseShardInfo("f.shard.json", again); err != nil || back != info {
			t.Fatalf("accepted %+v, which reads back as %+v, %v", info, back, err)
		}
	})
}

// sample records the hash of the checkpoint it drew from, read back after
// drawing: a checkpoint file replaced or removed meanwhile is refused
// rather than recorded under the wrong name.
func TestShardIdentityChecksTheCheckpointSampled(t *testing.T) {
	runDir := filepath.Join(t.TempDir(), "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[8]", "-set", "train.steps=20", "-set", "train.checkpoint_every=10"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	run, err := workflow.Open(runDir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	info, err := shardIdentity(run, run.Config, 10, "1/2", "network")
	if err != nil {
		t.Fatal(err)
	}
	_, hash, _ := checkpoints.LoadHashed(run.Checkpoint)
	if info.CheckpointSHA256 != hash || info.Step != 20 || info.Checkpoint != "step-000000020.safetensors" || info.Weights != run.Weights ||
		info.Seed != run.Config.Seed || !rundir.IsSHA256(info.DataSHA256) || info.First != 5 || info.Count != 5 || info.Dim != 2 {
		t.Errorf("identity %+v", info)
	}
	// Another step now under the name sampled.
	step10 := filepath.Join(runDir, "checkpoints", "step-000000010.safetensors")
	b, _ := os.ReadFile(step10)
	if err := os.WriteFile(run.Checkpoint, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := shardIdentity(run, run.Config, 10, "1/2", "network"); err == nil || !strings.Contains(err.Error(), "named for step 20 but holds step 10") {
		t.Errorf("a replaced checkpoint: %v", err)
	}
	os.Remove(run.Checkpoint)
	if _, err := shardIdentity(run, run.Config, 10, "1/2", "network"); err == nil || !strings.Contains(err.Error(), "the checkpoint sampled cannot be read back") {
		t.Errorf("a removed checkpoint: %v", err)
	}
}

// smallShardedRun trains a small noise-conditional run in dir for the
// sidecar tests.
func smallShardedRun(t *testing.T, dir string) string {
	t.Helper()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[8]", "-set", "train.steps=20", "-set", "data.n=500"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	return runDir
}

// editedShards draws the two shards of 10 chains of runDir into dir (with
// the -set overrides sets) and rewrites the sample settings their sidecars
// record by edit; it returns the shards' files.
func editedShards(t *testing.T, runDir, dir string, edit func(map[string]any), sets ...string) []string {
	t.Helper()
	var shards []string
	for k := range 2 {
		f := filepath.Join(dir, fmt.Sprintf("s%d.csv", k))
		args := append([]string{"sample", "-run", runDir, "-n", "10", "-shard", fmt.Sprintf("%d/2", k), "-out", f, "-set", "sample.steps_per_level=2"}, sets...)
		if code, _, errs := scorenet(args...); code != 0 {
			t.Fatalf("sample: %s", errs)
		}
		side := f + ".shard.json"
		b, _ := os.ReadFile(side)
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		var sample map[string]any
		json.Unmarshal([]byte(doc["sample"].(string)), &sample)
		edit(sample)
		edited, _ := json.Marshal(sample)
		doc["sample"] = string(edited)
		b, _ = json.Marshal(doc)
		os.WriteFile(side, b, 0o644)
		shards = append(shards, f)
	}
	return shards
}

// laterKeys are the sample settings sidecars have recorded only since the
// solvers came.
var laterKeys = []string{"Rho", "Churn", "ChurnMin", "ChurnMax", "ChurnNoise", "SigmaStop"}

// Shards drawn before sample.rho and the churn keys existed merge and
// verify: the keys their sidecars lack keep their defaults.
func TestShardsFromBeforeTheSolverKeysMerge(t *testing.T) {
	dir := t.TempDir()
	shards := editedShards(t, smallShardedRun(t, dir), dir, func(s map[string]any) {
		for _, key := range laterKeys {
			delete(s, key)
		}
	})
	if code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "m.csv")}, shards...)...); code != 0 {
		t.Errorf("merge of shards without the solver keys: %s", errs)
	}
}

// Shards drawn with churn_max: auto given to sample record the number
// chosen (said on stderr), so merge's re-draw verifies them, and their
// merge is the unsharded run's samples, not those of churn at every level.
func TestShardsOfAChosenChurnMaxVerify(t *testing.T) {
	dir := t.TempDir()
	runDir := smallShardedRun(t, dir)
	heun := []string{"-set", "sample.sampler=heun", "-set", "sample.steps=5", "-set", "sample.churn=30"}
	shards := editedShards(t, runDir, dir, func(s map[string]any) {
		if v, _ := s["ChurnMax"].(float64); !(v > 0) {
			t.Errorf("the sidecar records churn_max %v, not the number chosen", s["ChurnMax"])
		}
	}, append(heun, "-set", "sample.churn_max=auto")...)
	merged := filepath.Join(dir, "m.csv")
	if code, _, errs := scorenet(append([]string{"merge", "-out", merged}, shards...)...); code != 0 {
		t.Fatalf("merge of shards with churn_max auto: %s", errs)
	}
	draw := func(out string, sets ...string) string {
		args := append([]string{"sample", "-run", runDir, "-n", "10", "-out", out, "-set", "sample.steps_per_level=2"}, append(heun, sets...)...)
		code, _, errs := scorenet(args...)
		if code != 0 {
			t.Fatalf("sample: %s", errs)
		}
		b, _ := os.ReadFile(out)
		return string(b)
	}
	whole, anywhere := draw(filepath.Join(dir, "whole.csv"), "-set", "sample.churn_max=auto"), draw(filepath.Join(dir, "anywhere.csv"))
	if got, _ := os.ReadFile(merged); string(got) != whole || whole == anywhere {
		t.Errorf("merged shards equal the unsharded auto run: %v; the auto run differs from churn at every level: %v", string(got) == whole, whole != anywhere)
	}
	code, _, errs := scorenet("sample", "-run", runDir, "-n", "2", "-out", filepath.Join(dir, "said.csv"), "-set", "sample.churn_max=auto")
	if code != 0 || !strings.Contains(errs, "sample.churn_max auto: ") || !strings.Contains(errs, "the run's recorded data spread") {
		t.Errorf("sample with churn_max auto said %q (exit %d), want the choice and its reason", errs, code)
	}
}

// The twenty-third red-team pass: sidecars' sample settings are compared
// as values, so a number spelt another way (3 and 3.0) is the same setting.
func TestMergeComparesSettingsAsValues(t *testing.T) {
	dir := t.TempDir()
	shards := editedShards(t, smallShardedRun(t, dir), dir, func(map[string]any) {})
	side := shards[1] + ".shard.json"
	b, _ := os.ReadFile(side)
	respelt := strings.Replace(string(b), `\"Rho\":7`, `\"Rho\":7.0`, 1)
	if respelt == string(b) {
		t.Fatalf("no Rho 7 to respell in %s", b)
	}
	os.WriteFile(side, []byte(respelt), 0o644)
	if code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "m.csv")}, shards...)...); code != 0 {
		t.Errorf("merge of shards whose settings differ only in spelling: %s", errs)
	}
}

func TestSameJSONComparesNumbersAsTheSettingsHoldThem(t *testing.T) {
	for _, c := range []struct {
		name, a, b string
		same       bool
	}{
		{"an integer written as a decimal", "3", "3.0", true},
		{"an exponent and a plain decimal", "1e-05", "0.00001", true},
		{"minus zero", "-0", "0", true},
		{"leading zeros in a nested value", `{"Init":{"Low":-3}}`, `{"Init":{"Low":-3.000}}`, true},
		{"seeds beyond 2^53", "9007199254740993", "9007199254740992", false},
		{"seeds at the top of uint64", "18446744073709551615", "18446744073709551614", false},
		{"overflowing exponents", "1e999999999", "2e999999999", false},
		{"a number and a string", "3", `"3"`, false},
		{"missing", "3", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b json.RawMessage
			if c.b != "" {
				b = json.RawMessage(c.b)
			}
			if got := sameJSON(json.RawMessage(c.a), b); got != c.same {
				t.Errorf("sameJSON(%s, %s) = %v, want %v", c.a, c.b, got, c.same)
			}
		})
	}
}

// The eighteenth red-team pass: merge -verify checks an eps recorded as
// chosen from the data, and a sampler the sidecar lacks, before any
// re-draw, naming the sidecar.
func TestMergeChecksTheRecordedEpsAndSampler(t *testing.T) {
	runDir := smallShardedRun(t, t.TempDir())
	for _, c := range []struct {
		name, want string
		edit       func(map[string]any)
	}{
		{"eps 1e-300 recorded as auto", "sample.eps 1e-300 recorded as chosen from the data is not a step that samples", func(s map[string]any) { s["Eps"] = 1e-300 }},
		{"a negative eps recorded as auto", "sample.eps -0.001 recorded as chosen from the data", func(s map[string]any) { s["Eps"] = -0.001 }},
		{"no sampler", `key "sample" lacks the setting "Sampler"`, func(s map[string]any) { delete(s, "Sampler") }},
		{"no steps per level", `key "sample" lacks the setting "StepsPerLevel"`, func(s map[string]any) { delete(s, "StepsPerLevel") }},
		{"no init kind", `key "sample" lacks the setting "Init.Kind"`, func(s map[string]any) { delete(s["Init"].(map[string]any), "Kind") }},
		{"one of the later keys missing", `key "sample" lacks the setting "Churn"`, func(s map[string]any) { delete(s, "Churn") }},
		{"a solver without the later keys", `key "sample" lacks the setting "Churn"`, func(s map[string]any) {
			s["Sampler"] = "heun"
			for _, k := range laterKeys {
				delete(s, k)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := t.TempDir()
			shards := editedShards(t, runDir, sub, c.edit, "-set", "sample.eps=auto")
			code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(sub, "m.csv")}, shards...)...)
			if code != 1 || !strings.Contains(errs, "s0.csv.shard.json: ") || !strings.Contains(errs, c.want) || strings.Contains(errs, "re-drawing") {
				t.Errorf("exit %d, %q; want it to name the sidecar and say %q before any re-draw", code, errs, c.want)
			}
		})
	}
}

// Shards drawn before sample.sigma_stop existed, by a solver, merge and
// verify: a sidecar without it was drawn denoised at the last level.
func TestShardsFromBeforeSigmaStopMerge(t *testing.T) {
	dir := t.TempDir()
	shards := editedShards(t, smallShardedRun(t, dir), dir, func(s map[string]any) {
		delete(s, "SigmaStop")
	}, "-set", "sample.sampler=heun", "-set", "sample.steps=5")
	if code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "m.csv")}, shards...)...); code != 0 {
		t.Errorf("merge of heun shards without sigma_stop: %s", errs)
	}
}
