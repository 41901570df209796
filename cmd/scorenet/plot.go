package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"scorenet/plots"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/workflow"
)

// maxPlotted bounds the points of one -samples file that plot draws.
const maxPlotted = plots.MaxRows

func plotCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("plot", `plot -run DIR [-checkpoint FILE] [-out DIR] [-grid N] [-samples FILE ...]

Draws a run's figures as PNG files into -out (created if missing), and says
"wrote PATH" for each: loss.png, the training and validation loss from
metrics.jsonl; for 2-D models field.png, the learned score as arrows over
the training data (one panel per noise level, up to four, for
noise-conditional models); and with -samples, samples.png, each samples file
beside the others over the training data: as histograms for 1-D models, a
scatter of coordinates 1 and 2 for models of more dimensions.`)
	runDir := fs.String("run", "", "the run `directory` (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to draw the score field of, instead of the newest valid one")
	weights := weightsFlag(fs)
	outDir := fs.String("out", "", "`directory` for the PNG files, created if missing (default: the run directory)")
	grid := fs.Int("grid", 24, fmt.Sprintf("arrows per side of the score field, %d to %d", plots.MinGrid, plots.MaxGrid))
	var sampleFiles listFlag
	fs.Var(&sampleFiles, "samples", "also draw this samples `file` (.csv or .npy) over the training data in samples.png, one panel per file (repeatable)")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run"); err != nil {
			return err
		}
		if *grid < plots.MinGrid || *grid > plots.MaxGrid {
			return fmt.Errorf("-grid %d: want %d to %d arrows per side", *grid, plots.MinGrid, plots.MaxGrid)
		}
		if *outDir == "" {
			*outDir = *runDir
		}
		if why := unsettled(*outDir + "/x"); why != "" { // the figures' paths are joined, which drops a '..' by its text
			return fmt.Errorf("-out %s: %s; name a settled directory", *outDir, why)
		}
		run, err := openRun(*runDir, *checkpoint, *weights, stderr)
		if err != nil {
			return err
		}
		// A curve of more points than a figure's width in pixels shows
		// nothing more.
		records, validRecords, err := rundir.ReadMetrics(*runDir, 5000, stderr)
		if err != nil {
			return err
		}
		var loss, valid plots.Curve
		loss.Name, valid.Name = "training loss", "validation loss"
		for _, r := range records {
			loss.Steps, loss.Value = append(loss.Steps, float64(r.Step)), append(loss.Value, r.Loss)
		}
		for _, r := range validRecords {
			valid.Steps, valid.Value = append(valid.Steps, float64(r.Step)), append(valid.Value, r.Valid.Loss)
		}
		var figures []output
		for _, name := range []string{"loss.png", "field.png", "samples.png"} {
			figures = append(figures, output{"out", filepath.Join(*outDir, name)})
		}
		if err := guardOutputs(run, sampleFiles, figures...); err != nil {
			return err
		}
		dim := run.Model.Dim()
		var sets []plots.Set
		for _, f := range sampleFiles {
			p, err := workflow.ReadRows(run, f)
			if err != nil {
				return err
			}
			if p.D != dim {
				return fmt.Errorf("-samples %s: %d columns, the model's dimension is %d", f, p.D, dim)
			}
			// A figure of more points shows nothing more, and the plotting
			// library keeps several copies of each point it draws.
			if p.N > maxPlotted {
				fmt.Fprintf(stderr, "-samples %s: drawing its first %d points of %d\n", f, maxPlotted, p.N)
				// A copy, so that the rest can be collected and its memory
				// reused for the figures.
				p = points.Points{N: maxPlotted, D: p.D, X: slices.Clone(p.X[:maxPlotted*p.D])}
			}
			sets = append(sets, plots.Set{Name: strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), Points: p})
		}
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return fmt.Errorf("-out %s: cannot create the directory: %v", *outDir, err)
		}
		lossPath := filepath.Join(*outDir, "loss.png")
		if err := plots.LossCurves(lossPath, fmt.Sprintf("%s: %s loss", run.Config.Name, run.Config.Train.Loss), loss, valid); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", lossPath)
		// The training data in data units, under field.png and samples.png.
		var pts points.Points
		if dim == 2 || len(sets) > 0 {
			why := "samples.png, drawn over the training data,"
			if dim == 2 {
				why = "field.png, drawn over the training data,"
			}
			data, err := run.Data(why)
			if err != nil {
				return err
			}
			pts = run.Norm.Invert(plots.Thin(data.Train))
		}
		if dim == 2 {
			score, err := run.Scorer(*grid * *grid)
			if err != nil {
				return err
			}
			levels := pickLevels(run.Config.NoiseLevels(), run.Model.NoiseConditional())
			fieldPath := filepath.Join(*outDir, "field.png")
			if err := plots.ScoreField(fieldPath, run.Config.Name+": learned score field", score, levels, fieldBox(pts.X), *grid, pts); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", fieldPath)
		} else {
			fmt.Fprintf(stderr, "no field.png: the score field is drawn for 2-D models, this one is %d-dimensional\n", dim)
		}
		if len(sets) == 0 {
			return nil
		}
		samplesPath := filepath.Join(*outDir, "samples.png")
		if err := plots.Samples(samplesPath, run.Config.Name+": samples over the training data", pts, sets...); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", samplesPath)
		return nil
	}}
}

// fieldBox is a square around the data with a margin of a quarter of its span.
func fieldBox(xy []float64) [4]float64 {
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for i, v := range xy {
		lo[i%2], hi[i%2] = math.Min(lo[i%2], v), math.Max(hi[i%2], v)
	}
	pad := 0.25 * math.Max(hi[0]-lo[0], hi[1]-lo[1])
	return [4]float64{lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad}
}

// pickLevels chooses up to four noise levels to draw, always the largest
// and the smallest; a model without levels gets one panel.
func pickLevels(ladder []float64, conditional bool) []float64 {
	if !conditional || len(ladder) == 0 {
		return nil
	}
	if len(ladder) <= 4 {
		return ladder
	}
	n := len(ladder) - 1
	return []float64{ladder[0], ladder[n/3], ladder[2*n/3], ladder[n]}
}
