package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/memlimit"
	"scorenet/internal/safefile"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/workflow"
)

// shardRange is the chains [first, first+count) of shard "k/N" of n chains
// (all of them for ""): shard k takes chains k*n/N up to (k+1)*n/N.
func shardRange(spec string, n int) (first, count int, err error) {
	if spec == "" {
		return 0, n, nil
	}
	k, total, err := parseShard(spec)
	if err != nil {
		return 0, 0, err
	}
	if total > n {
		return 0, 0, fmt.Errorf("-shard %s: %d shards of %d chains: want at most one shard a chain", spec, total, n)
	}
	first, last := k*n/total, (k+1)*n/total
	return first, last - first, nil
}

func parseShard(spec string) (k, n int, err error) {
	ks, ns, ok := strings.Cut(spec, "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	if !ok || kerr != nil || nerr != nil || n < 1 || k < 0 || k >= n {
		return 0, 0, fmt.Errorf("-shard %q: want k/N with 0 <= k < N, e.g. 0/4 (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX for k)", spec)
	}
	return k, n, nil
}

// The sidecar's format and version. Version 2 is the first to record the
// checkpoint's hash, the weights, the run's identity and the digest of the
// shard file's bytes, version 3 the digest of a file of starting points;
// merge refuses earlier sidecars, which it cannot check.
const (
	shardFormat  = "scorenet.shard"
	shardVersion = 3
)

// shardInfo is what a shard's sidecar file (OUT.shard.json) records, so that
// merge can check that the shards belong together, that none is missing and
// that each file holds the bytes sample wrote. Every key is required.
type shardInfo struct {
	Format  string `json:"format"`
	Version int    `json:"version"`

	// The run sampled: its directory, its config's name and seed, and the
	// digest of the data it was trained on ("" where the checkpoint records
	// none).
	Run        string `json:"run"`
	Name       string `json:"name"`
	Seed       uint64 `json:"seed"`
	DataSHA256 string `json:"data_sha256"`
	// The checkpoint: its file name, its content hash (checkpoints.LoadHashed)
	// and step, and the weights loaded from it (ema or raw).
	Checkpoint       string `json:"checkpoint"`
	CheckpointSHA256 string `json:"checkpoint_sha256"`
	Step             int    `json:"step"`
	Weights          string `json:"weights"`

	Sample string `json:"sample"` // the resolved sample settings, JSON
	// InitSHA256 is the SHA-256 of sample.init.path's bytes for chains
	// started from a file ("" otherwise): the settings name the file, not
	// what it held when the shard was drawn.
	InitSHA256 string `json:"init_sha256"`
	Score      string `json:"score"`  // network or analytic
	Chains     int    `json:"chains"` // in all shards
	Dim        int    `json:"dim"`    // of each sample

	Shard  int `json:"shard"`
	Shards int `json:"shards"`
	First  int `json:"first"`
	Count  int `json:"count"`
	// FileSHA256 is the SHA-256 of the shard file's bytes as sample wrote
	// them: it pairs the sidecar with its own rows.
	FileSHA256 string `json:"file_sha256"`
}

// sameSampling lists the keys that shards of one sampling share, in the
// order merge reports differences. The checkpoint is named by its hash, not
// its file name: best.safetensors may hold the same step as step-N.
var sameSampling = []string{"run", "name", "seed", "data_sha256", "step", "checkpoint_sha256", "weights", "sample", "init_sha256", "score", "chains", "dim", "shards"}

func sidecar(out string) string { return out + ".shard.json" }

// maxSidecar bounds the size of a sidecar file merge reads.
const maxSidecar = 1 << 20

// writeShardInfo writes the shard of samples that sample drew to out,
// atomically (again: sample has written out as any output), then its
// sidecar, atomically, recording the SHA-256 of the bytes renamed into
// place: whatever order writers racing on out rename in, merge accepts a
// data file only beside the sidecar written with it. A shard of images (out
// a directory) gets no sidecar: its files are named by chain, and merge
// joins .csv and .npy shards only.
func writeShardInfo(out string, samples points.Points, run *workflow.Run, cfg *configs.Config, n int, spec, score string) error {
	if strings.HasSuffix(out, "/") {
		return nil
	}
	info, err := shardIdentity(run, cfg, n, spec, score)
	if err != nil {
		return err
	}
	return writeShard(out, samples, info)
}

// shardIdentity is the sidecar of shard spec of n chains drawn from run with
// cfg's sample settings, but for the shard file's digest. It reads the
// checkpoint back for its hash, and refuses if the file no longer holds
// the step and config sampled.
func shardIdentity(run *workflow.Run, cfg *configs.Config, n int, spec, score string) (shardInfo, error) {
	k, total, err := parseShard(spec)
	if err != nil {
		return shardInfo{}, err
	}
	first, count, err := shardRange(spec, n)
	if err != nil {
		return shardInfo{}, err
	}
	settings := cfg.Sample
	if settings.Init.Kind == "file" {
		// Absolute, so that merge finds the file from wherever it runs.
		if abs, err := filepath.Abs(settings.Init.Path); err == nil {
			settings.Init.Path = abs
		}
	}
	sample, err := json.Marshal(settings)
	if err != nil {
		return shardInfo{}, err
	}
	c, hash, err := checkpoints.LoadHashed(run.Checkpoint)
	if err != nil {
		return shardInfo{}, fmt.Errorf("-shard: the checkpoint sampled cannot be read back to record its hash (did training prune it while sampling? then draw the shard from a copy, with -checkpoint, and merge with -verify 0, or keep the checkpoint for merge to re-draw from): %w", err)
	}
	saved, err := rundir.SavedConfig(c, run.Checkpoint)
	if err != nil || c.Step != run.Step || !bytes.Equal(saved.YAML(), run.Config.YAML()) {
		return shardInfo{}, fmt.Errorf("-shard: %s no longer holds the checkpoint sampled (step %d, now %d, or another config): it was replaced while sampling; draw the shard again", run.Checkpoint, run.Step, c.Step)
	}
	data := run.DataDigest
	dir := canonical(run.Dir)
	initHash := ""
	if cfg.Sample.Init.Kind == "file" {
		b, err := safefile.ReadFile(cfg.Sample.Init.Path)
		if err != nil {
			return shardInfo{}, fmt.Errorf("-shard: the starting points %s cannot be read back: %w", cfg.Sample.Init.Path, err)
		}
		initHash = sha256Hex(b)
	}
	return shardInfo{Format: shardFormat, Version: shardVersion, InitSHA256: initHash,
		Run: dir, Name: run.Config.Name, Seed: run.Config.Seed, DataSHA256: data.SHA256,
		Checkpoint: filepath.Base(run.Checkpoint), CheckpointSHA256: hash, Step: c.Step, Weights: run.Weights,
		Sample: string(sample), Score: score, Chains: n, Dim: run.Model.Dim(),
		Shard: k, Shards: total, First: first, Count: count}, nil
}

// writeShard writes samples to out and info, with the digest of the bytes
// written, to out's sidecar, each to a temporary file renamed into place.
func writeShard(out string, samples points.Points, info shardInfo) error {
	if samples.N != info.Count || samples.D != info.Dim {
		return fmt.Errorf("-shard: %d samples of dimension %d, the shard holds %d of dimension %d", samples.N, samples.D, info.Count, info.Dim)
	}
	b, err := datasets.Encode(out, samples)
	if err != nil {
		return err
	}
	info.FileSHA256 = sha256Hex(b)
	if err := safefile.Write(out, b); err != nil {
		return err
	}
	j, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return safefile.Write(sidecar(out), append(j, '\n'))
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sidecarKeys are the JSON keys of shardInfo, every one required.
var sidecarKeys = func() []string {
	t := reflect.TypeFor[shardInfo]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return keys
}()

// readShardInfo reads and checks the sidecar of shard file f.
func readShardInfo(f string) (shardInfo, error) {
	path := sidecar(f)
	r, err := safefile.Open(path)
	if err != nil {
		return shardInfo{}, fmt.Errorf("%s: no shard information (%v): was it written by sample -shard?", f, err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxSidecar+1))
	if err != nil {
		return shardInfo{}, fmt.Errorf("%s: %v", path, err)
	}
	if len(b) > maxSidecar {
		return shardInfo{}, fmt.Errorf("%s: more than %d bytes: not a shard sidecar", path, maxSidecar)
	}
	return parseShardInfo(path, b)
}

// parseShardInfo decodes and checks the sidecar b read from path: its
// format and version, every key present, of its type and in its range, and
// the shard's chains where shardRange puts them. Errors are one line,
// naming path and the key.
func parseShardInfo(path string, b []byte) (shardInfo, error) {
	fail := func(format string, a ...any) (shardInfo, error) {
		return shardInfo{}, fmt.Errorf("%s: %s", path, onOneLine(fmt.Sprintf(format, a...)))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fail("not a shard sidecar (not a JSON object: %v)", err)
	}
	if raw == nil {
		return fail("not a shard sidecar (not a JSON object)")
	}
	if _, ok := raw["version"]; !ok {
		if _, old := raw["shards"]; old {
			return fail("written by an older scorenet (no key \"version\"): its shard cannot be checked; draw the shard again with this version of sample -shard")
		}
		return fail("not a shard sidecar (no key \"version\")")
	}
	if v, ok := raw["format"]; !ok {
		return fail("key \"format\" is missing")
	} else if string(v) != strconv.Quote(shardFormat) {
		return fail("key \"format\" is %.40s, want %q: not a scorenet shard sidecar", v, shardFormat)
	}
	if v := string(raw["version"]); v != strconv.Itoa(shardVersion) {
		return fail("key \"version\" is %.40s: this scorenet reads shard sidecars of version %d; draw the shard again with this version", v, shardVersion)
	}
	for _, k := range sidecarKeys {
		if v, ok := raw[k]; !ok || string(v) == "null" {
			return fail("key %q is missing", k)
		}
	}
	if len(raw) > len(sidecarKeys) {
		for k := range raw {
			if !slices.Contains(sidecarKeys, k) {
				return fail("unknown key %q", k)
			}
		}
	}
	var info shardInfo
	if err := json.Unmarshal(b, &info); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fail("key %q is a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type))
		}
		return fail("%v", err)
	}
	switch {
	case !filepath.IsAbs(info.Run):
		return fail("key \"run\" is %q: want the run's absolute directory", info.Run)
	case info.Checkpoint == "" || strings.ContainsAny(info.Checkpoint, `/\`):
		return fail("key \"checkpoint\" is %q: want a checkpoint's file name", info.Checkpoint)
	case !rundir.IsSHA256(info.CheckpointSHA256):
		return fail("key \"checkpoint_sha256\" is %q: want 64 hexadecimal digits", info.CheckpointSHA256)
	case info.DataSHA256 != "" && !rundir.IsSHA256(info.DataSHA256):
		return fail("key \"data_sha256\" is %q: want 64 hexadecimal digits", info.DataSHA256)
	case info.InitSHA256 != "" && !rundir.IsSHA256(info.InitSHA256):
		return fail("key \"init_sha256\" is %q: want 64 hexadecimal digits or \"\"", info.InitSHA256)
	case !rundir.IsSHA256(info.FileSHA256):
		return fail("key \"file_sha256\" is %q: want 64 hexadecimal digits", info.FileSHA256)
	case info.Step < 0:
		return fail("key \"step\" is %d: want a step >= 0", info.Step)
	case info.Weights != rundir.WeightsEMA && info.Weights != rundir.WeightsRaw:
		return fail("key \"weights\" is %q: want %s or %s", info.Weights, rundir.WeightsEMA, rundir.WeightsRaw)
	case info.Score != "network" && info.Score != "analytic":
		return fail("key \"score\" is %q: want network or analytic", info.Score)
	case !json.Valid([]byte(info.Sample)) || !strings.HasPrefix(info.Sample, "{"):
		return fail("key \"sample\" is %.60q: want the sample settings as a JSON object", info.Sample)
	case missingSampleKey(info.Sample) != "":
		return fail("key \"sample\" lacks the setting %q: a sidecar records every sample setting (one missing would be re-drawn at its default)", missingSampleKey(info.Sample))
	case info.Chains < 1 || info.Chains > configs.MaxChains:
		return fail("key \"chains\" is %d: want 1 to %d chains", info.Chains, configs.MaxChains)
	case info.Dim < 1 || info.Dim > datasets.MaxValues:
		return fail("key \"dim\" is %d: want a dimension of 1 to %d", info.Dim, datasets.MaxValues)
	case info.Shards < 1:
		return fail("key \"shards\" is %d: want at least 1 shard", info.Shards)
	case info.Shards > info.Chains:
		return fail("key \"shards\" is %d: more shards than the %d chains", info.Shards, info.Chains)
	case info.Shard < 0 || info.Shard >= info.Shards:
		return fail("key \"shard\" is %d: want 0 to %d, one of the %d shards", info.Shard, info.Shards-1, info.Shards)
	}
	first, count, _ := shardRange(fmt.Sprintf("%d/%d", info.Shard, info.Shards), info.Chains)
	if info.First != first {
		return fail("key \"first\" is %d: shard %d/%d of %d chains starts at chain %d", info.First, info.Shard, info.Shards, info.Chains, first)
	}
	if info.Count != count {
		return fail("key \"count\" is %d: shard %d/%d of %d chains holds %d", info.Count, info.Shard, info.Shards, info.Chains, count)
	}
	return info, nil
}

// onOneLine keeps an error on one line, whatever text it quotes.
func onOneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}

// laterSampleKeys are the sample settings added after shard sidecars'
// version: a sidecar from before them lacks them all (and names no solver,
// heun or dpmpp_2m, which came with them), and they keep their defaults
// (configs.Default).
var laterSampleKeys = []string{"Rho", "Churn", "ChurnMin", "ChurnMax", "ChurnNoise"}

// sinceSolverKeys are the sample settings added after the solvers' keys: a
// sidecar of any sampler from before them lacks them, and they keep their
// defaults, which are what it was drawn with (SigmaStop 0: the solvers
// denoised at the last level).
var sinceSolverKeys = []string{"SigmaStop"}

// missingSampleKey is the first sample setting, of those every sidecar
// records, that the recorded JSON object lacks ("Init.Kind" for one of
// Init's); "" when none is.
func missingSampleKey(sample string) string {
	var got map[string]json.RawMessage
	if json.Unmarshal([]byte(sample), &got) != nil {
		return ""
	}
	full, _ := json.Marshal(configs.Default().Sample)
	var want map[string]json.RawMessage
	json.Unmarshal(full, &want)
	// A sidecar from before the later keys lacks them all, and records one
	// of the samplers of its time; some of them, or a solver without them,
	// is an edited sidecar.
	later := 0
	for _, k := range laterSampleKeys {
		if v, ok := got[k]; ok && string(v) != "null" {
			later++
		}
	}
	var sampler string
	json.Unmarshal(got["Sampler"], &sampler)
	old := later == 0 && !configs.Solver(sampler)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if old && slices.Contains(laterSampleKeys, k) || slices.Contains(sinceSolverKeys, k) {
			continue
		}
		v, ok := got[k]
		if !ok || string(v) == "null" {
			return k
		}
		if k == "Init" {
			var init, wantInit map[string]json.RawMessage
			json.Unmarshal(v, &init)
			json.Unmarshal(want[k], &wantInit)
			for _, ik := range slices.Sorted(maps.Keys(wantInit)) {
				if iv, ok := init[ik]; !ok || string(iv) == "null" {
					return "Init." + ik
				}
			}
		}
	}
	return ""
}

// jsonKind names the JSON a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int:
		return "integer"
	case reflect.Uint64:
		return "integer >= 0"
	}
	return t.String()
}

// differences lists, on one line, the keys of sameSampling in which b
// differs from a.
func differences(a, b shardInfo) string {
	va, vb := sidecarValues(a), sidecarValues(b)
	var diffs []string
	for _, k := range sameSampling {
		if va[k] == vb[k] {
			continue
		}
		switch k {
		case "sample":
			if d := sampleDifferences(a.Sample, b.Sample); d != "" {
				diffs = append(diffs, d)
			}
		case "checkpoint_sha256":
			diffs = append(diffs, fmt.Sprintf("%s %s (%s), not %s (%s)", k, short(vb[k]), b.Checkpoint, short(va[k]), a.Checkpoint))
		default:
			diffs = append(diffs, fmt.Sprintf("%s %s, not %s", k, short(vb[k]), short(va[k])))
		}
	}
	return strings.Join(diffs, "; ")
}

// sidecarValues is info's values by key, as JSON text.
func sidecarValues(info shardInfo) map[string]string {
	b, _ := json.Marshal(info)
	var raw map[string]json.RawMessage
	json.Unmarshal(b, &raw)
	values := map[string]string{}
	for k, v := range raw {
		values[k] = string(v)
	}
	return values
}

// sampleDifferences names the sample settings in which b differs from a.
func sampleDifferences(a, b string) string {
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal([]byte(a), &ma) != nil || json.Unmarshal([]byte(b), &mb) != nil {
		return fmt.Sprintf("sample %s, not %s", short(b), short(a))
	}
	var keys []string
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var diffs []string
	for _, k := range keys {
		if !sameJSON(ma[k], mb[k]) {
			diffs = append(diffs, fmt.Sprintf("sample.%s %s, not %s", k, short(string(mb[k])), short(string(ma[k]))))
		}
	}
	return strings.Join(diffs, "; ")
}

// sameJSON reports whether two JSON values are equal as values: 3 and
// 3.0, 1e-05 and 0.00001 are one number however a sidecar spells it, and
// numbers are compared exactly (seeds beyond 2^53 differ as float64s do
// not).
func sameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	va, okA := decodeExact(a)
	vb, okB := decodeExact(b)
	return okA && okB && sameValue(va, vb)
}

// decodeExact decodes one JSON value, its numbers kept as written.
func decodeExact(raw json.RawMessage) (any, bool) {
	if raw == nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v) == nil
}

// sameNumber compares two JSON numbers as the settings hold them: those
// written without an exponent exactly, digit by digit (seeds beyond 2^53,
// which float64 cannot tell apart); others as the float64 they decode to.
// (Never as exact rationals: 1e999999999 would take gigabytes.)
func sameNumber(x, y string) bool {
	if !strings.ContainsAny(x+y, "eE") {
		return plainDecimal(x) == plainDecimal(y)
	}
	fx, errX := strconv.ParseFloat(x, 64)
	fy, errY := strconv.ParseFloat(y, 64)
	if errX != nil || errY != nil {
		return x == y
	}
	return fx == fy
}

// plainDecimal is a JSON number without exponent in one spelling: no
// leading zeros, no trailing zeros after the point, no "-0".
func plainDecimal(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	frac = strings.TrimRight(frac, "0")
	if whole == "" {
		whole = "0"
	}
	if frac != "" {
		whole += "." + frac
	}
	if whole == "0" {
		sign = ""
	}
	return sign + whole
}

// sameValue compares decoded JSON, numbers by sameNumber.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		return sameNumber(string(x), string(y))
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b // strings, booleans, null
}

// short shortens a value for an error message: hashes to 12 digits.
func short(v string) string {
	if v == "" {
		return "(none)"
	}
	if s, err := strconv.Unquote(v); err == nil && rundir.IsSHA256(s) {
		return s[:12] + "..."
	}
	if len(v) > 80 {
		return v[:77] + "..."
	}
	return v
}

func mergeCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("merge", `merge -out FILE SHARD_FILE...

Joins the shards written by sample -shard k/N into one samples file, in
chain order: the result is bit-identical to one unsharded sample run. It
checks, from each shard's FILE.shard.json, that the shards come from the
same run (directory, seed, training data), checkpoint (step and content
hash), weights, sample settings, score and number of chains, that every
shard 0..N-1 is there exactly once, and that each file holds the bytes
sample wrote. Then it re-draws -verify chains of each shard, chosen at
random, from the run's checkpoint and compares them bit for bit: the
sidecars' digests catch accidents, the re-drawn chains catch rows edited
with the digest recomputed. FILE may not be one of the shards or their
sidecars.`)
	out := fs.String("out", "", "where to write the joined samples: a .csv or .npy `file` (required)")
	verify := fs.Int("verify", 1, "re-draw this many `chains` of each shard, chosen at random, and compare (0: trust the sidecars; it needs the run's checkpoint that was sampled)")
	return &command{flags: fs, args: true, run: func() error {
		if err := required(fs, "out"); err != nil {
			return err
		}
		if *verify < 0 {
			return fmt.Errorf("-verify %d: want a number of chains >= 0", *verify)
		}
		files := fs.Args()
		if len(files) == 0 {
			return errors.New("no shard files given (scorenet merge -out FILE SHARD_FILE...)")
		}
		if strings.ContainsFunc(*out, breaksLines) {
			return fmt.Errorf("-out %q: the path holds a newline, a line separator or another control character; choose a plain path", *out)
		}
		for _, f := range files {
			for _, in := range []string{f, sidecar(f)} {
				if samePath(*out, in) {
					return fmt.Errorf("-out %s would overwrite %s, one of the files merge reads: write the merged samples to another file", *out, in)
				}
			}
		}
		if why := unsettled(*out); why != "" {
			return fmt.Errorf("-out %s: %s; name a settled path", *out, why)
		}
		if strings.HasSuffix(*out, ".shard.json") {
			return fmt.Errorf("-out %s: a shard's sidecar name (merge reads such files); choose another name", *out)
		}
		if err := needDataFile("out", *out); err != nil {
			return err
		}
		if run, ok := anyRunsFile(*out); ok {
			return fmt.Errorf("-out %s: would write into the files of run %s (only training writes them)", *out, run)
		}
		if info, err := readShardInfo(files[0]); err == nil {
			var s configs.Sample
			if json.Unmarshal([]byte(info.Sample), &s) == nil && s.Init.Kind != "file" {
				s.Init.Path = ""
			}
			if err := guardRunFiles(info.Run, *out, s.Init.Path); err != nil {
				return err
			}
		}
		if err := prepareOutput("out", *out); err != nil {
			return err
		}
		merged, infos, err := mergeShards(files)
		if err != nil {
			return err
		}
		if err := verifyShards(files, infos, merged, *verify, stderr); err != nil {
			return err
		}
		// A table's category columns are written as names, as sample
		// writes them (the shards hold their places, numbers, or their
		// binary digits).
		// Chains given the data's mix of classes carry their class as
		// sample writes it.
		var named datasets.Named
		var header []string
		if cfg, err := rundir.LoadConfig(infos[0].Run, nil); err == nil {
			var labels []int32
			if mixedShards(infos[0]) {
				labels = workflow.MixedLabels(merged.N, cfg.Model.ClassCounts)
			}
			merged, header, named = withClassColumn(cfg, merged, labels, *out)
		}
		b, err := datasets.EncodeNamed(*out, merged, header, named)
		if err != nil {
			return err
		}
		if err := safefile.Write(*out, b); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %d shards, %d chains, into %s\n", len(files), merged.N, *out)
		return nil
	}}
}

// mixedShards reports whether a shard's chains took the classes in the
// training rows' proportions (sample without -class on a run recording
// them).
func mixedShards(info shardInfo) bool {
	var s configs.Sample
	return json.Unmarshal([]byte(info.Sample), &s) == nil && s.ClassMix
}

// mergeShards reads the shards and their sidecars, checks them and joins
// them in chain order.
func mergeShards(files []string) (points.Points, []shardInfo, error) {
	var first shardInfo
	byShard := map[int]int{} // shard -> its index in files
	infos := make([]shardInfo, len(files))
	for i, f := range files {
		if st, err := os.Stat(f); err == nil && st.IsDir() {
			return points.Points{}, nil, fmt.Errorf("%s is a directory: merge joins .csv and .npy shards (image shards drawn into one directory are joined by their file names)", f)
		}
		info, err := readShardInfo(f)
		if err != nil {
			return points.Points{}, nil, err
		}
		if i == 0 {
			first = info
		} else if diff := differences(first, info); diff != "" {
			return points.Points{}, nil, fmt.Errorf("%s is from another sampling than %s: %s", f, files[0], diff)
		}
		if prev, dup := byShard[info.Shard]; dup {
			return points.Points{}, nil, fmt.Errorf("shard %d/%d given twice: %s and %s", info.Shard, info.Shards, files[prev], f)
		}
		byShard[info.Shard] = i
		infos[i] = info
	}
	for k := range first.Shards {
		if _, ok := byShard[k]; !ok {
			return points.Points{}, nil, fmt.Errorf("shard %d/%d is missing", k, first.Shards)
		}
	}
	if err := memlimit.Check(8*float64(first.Chains)*float64(first.Dim), fmt.Sprintf("merging %d chains of dimension %d", first.Chains, first.Dim)); err != nil {
		return points.Points{}, nil, err
	}
	// Allocated once at the size the sidecars give (growing by append
	// held two copies at the end).
	merged := points.Points{D: first.Dim, X: make([]float64, 0, first.Chains*first.Dim)}
	for k := range first.Shards {
		i := byShard[k]
		p, err := readShard(files[i], infos[i])
		if err != nil {
			return points.Points{}, nil, err
		}
		if len(merged.X)+len(p.X) > cap(merged.X) {
			return points.Points{}, nil, fmt.Errorf("%s holds %d values, more than its sidecar's %d chains of dimension %d leave room for", files[i], len(p.X), first.Chains, first.Dim)
		}
		merged.N += p.N
		merged.X = append(merged.X, p.X...)
	}
	return merged, infos, nil
}

// readShard reads shard file f, checking its bytes against the digest its
// sidecar records before it decodes them.
func readShard(f string, info shardInfo) (points.Points, error) {
	ext := strings.ToLower(filepath.Ext(f))
	if ext != ".csv" && ext != ".npy" {
		return points.Points{}, fmt.Errorf("%s: unknown extension %q, want .csv or .npy", f, filepath.Ext(f))
	}
	r, err := safefile.Open(f)
	if err != nil {
		return points.Points{}, err
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil {
		return points.Points{}, err
	}
	// Its bytes, read into a buffer of their size (io.ReadAll's growing
	// buffer took twice that), and the points parsed from them, which
	// take no more.
	if err := memlimit.Check(2*float64(st.Size()), "reading "+f); err != nil {
		return points.Points{}, err
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(r, b); err != nil {
		return points.Points{}, fmt.Errorf("%s: %v (the file changed while it was read)", f, err)
	}
	if got := sha256Hex(b); got != info.FileSHA256 {
		return points.Points{}, fmt.Errorf("%s: its bytes are not those sample wrote (sha256 %.12s..., its sidecar %s records %.12s...): the file was changed, cut short or written by another sample since; draw the shard again",
			f, got, sidecar(f), info.FileSHA256)
	}
	var p points.Points
	if ext == ".csv" {
		p, err = datasets.ReadCSV(bytes.NewReader(b))
	} else {
		p, err = datasets.ReadNPY(bytes.NewReader(b))
	}
	if err != nil {
		return points.Points{}, fmt.Errorf("%s: %w", f, err)
	}
	if p.N != info.Count || p.D != info.Dim {
		return points.Points{}, fmt.Errorf("%s holds %d rows of dimension %d; shard %d/%d should hold %d of dimension %d", f, p.N, p.D, info.Shard, info.Shards, info.Count, info.Dim)
	}
	return p, nil
}
