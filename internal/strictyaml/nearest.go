package strictyaml

import (
	"fmt"
	"sort"
)

// Nearest is the choice within two edits of word, or "" when there is none:
// the suggestion for a misspelled key or flag.
func Nearest(word string, choices []string) string {
	best, bestDist := "", 3
	for _, c := range choices {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// suggest names a known key within two edits of a misspelled one.
func suggest(k string, fields map[string]int) string {
	for _, known := range sortedKeys(fields) {
		if editDistance(k, known) <= 2 {
			return fmt.Sprintf("; did you mean %q?", known)
		}
	}
	return ""
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
