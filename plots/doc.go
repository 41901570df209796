// Package plots draws scorenet's figures as PNG files with gonum/plot:
// samples over their data (scatters, or histograms of 1-D points), a
// learned score field as arrows over a grid (one panel per noise level),
// and loss curves. It knows points, score functions and numbers, not
// models or files of metrics.
package plots
