package datasets

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"scorenet/points"
)

// A category follows another when every row's level of it is the one the
// other's level gives: a car's make follows from its model, a plant's
// type and treatment from the plant. The model learns the two as
// separate columns (a many-level one in binary digits), and its samples
// pair them as no row does (R's mpg: 64% of the samples named a model of
// their make; CO2: 357 of 1000 gave a plant another's type); each
// sample's level of a following category is then set from its level of
// the one it follows, as every row's is.
//
// FindFollows marks each category of cats (found in value rows, as
// ContractBits gives them) that follows from another one of more levels,
// each of those held by 2 rows or more on average, in place: Follows
// names that column, FollowLevels gives this one's level (its place) for
// each of its levels (-1 for one no row holds). Where several columns
// give it, the one of the fewest levels does, the first of them in the
// file.
func FindFollows(rows points.Points, cats []Category) {
	held := make([]int, len(cats))
	for c, cat := range cats {
		seen := map[int]bool{}
		for i := range rows.N {
			seen[int(rows.X[i*rows.D+cat.Index])] = true
		}
		held[c] = len(seen)
	}
	for b := range cats {
		by := -1
		var levels []int
		for a := range cats {
			// More levels held and named (a run's config.yaml is checked by
			// the names: a level only rows left out hold counts there).
			if a == b || held[a] <= held[b] || len(cats[a].Levels) <= len(cats[b].Levels) || held[b] < 2 || 2*held[a] > rows.N || (by >= 0 && held[a] >= held[by]) {
				continue
			}
			if l, ok := followLevels(rows, cats[a], cats[b]); ok {
				by, levels = a, l
			}
		}
		if by >= 0 {
			cats[b].Follows, cats[b].FollowLevels = cats[by].Column, levels
		}
	}
}

// followLevels is b's level for each of a's levels, and whether every
// row's level of b is the one its level of a gives, each of b's levels
// seen with a level of a that 2 rows or more hold: a level of a that one
// row holds agrees with anything, and independent columns, one with a
// rare level, passed for following 4 to 6% of the time on 20 to 100 rows.
func followLevels(rows points.Points, a, b Category) ([]int, bool) {
	levels := make([]int, len(a.Levels))
	count := make([]int, len(a.Levels))
	for k := range levels {
		levels[k] = -1
	}
	for i := range rows.N {
		la, lb := int(rows.X[i*rows.D+a.Index]), int(rows.X[i*rows.D+b.Index])
		if la < 0 || la >= len(levels) {
			return nil, false
		}
		if levels[la] >= 0 && levels[la] != lb {
			return nil, false
		}
		levels[la] = lb
		count[la]++
	}
	confirmed := map[int]bool{}
	seen := map[int]bool{}
	for k, lb := range levels {
		if lb >= 0 {
			seen[lb] = true
			if count[k] >= 2 {
				confirmed[lb] = true
			}
		}
	}
	return levels, len(confirmed) == len(seen)
}

// ApplyFollows sets, in value rows, each following category's level from
// its row's level of the one it follows (a level no training row held
// leaves it as drawn), the categories of more levels first, so that one
// following a follower takes the follower's level once set; only in the
// cells (row, value column) open allows, every cell where open is nil
// (an imputed row's given cells are the user's).
func ApplyFollows(rows points.Points, cats []Category, open func(row, col int) bool) {
	order := make([]int, 0, len(cats))
	for c, cat := range cats {
		if cat.Follows != "" {
			order = append(order, c)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(len(cats[y].Levels), len(cats[x].Levels)) })
	for _, c := range order {
		by := slices.IndexFunc(cats, func(k Category) bool { return k.Column == cats[c].Follows })
		if by < 0 {
			continue
		}
		from, to := cats[by].Index, cats[c].Index
		for i := range rows.N {
			if open != nil && !open(i, to) {
				continue
			}
			if la := int(rows.X[i*rows.D+from]); la >= 0 && la < len(cats[c].FollowLevels) && cats[c].FollowLevels[la] >= 0 {
				rows.X[i*rows.D+to] = float64(cats[c].FollowLevels[la])
			}
		}
	}
}

// HasFollows reports whether a category of cats follows another.
func HasFollows(cats []Category) bool {
	return slices.ContainsFunc(cats, func(c Category) bool { return c.Follows != "" })
}

// DescribeFollows says which categories follow which, for the start-up
// lines.
func DescribeFollows(cats []Category) string {
	var parts []string
	for _, c := range cats {
		if c.Follows != "" {
			parts = append(parts, fmt.Sprintf("%s from %s", c.Column, c.Follows))
		}
	}
	return fmt.Sprintf("%d column(s) of names whose level follows from another's in every row, set from it in the samples: %s", len(parts), strings.Join(parts, ", "))
}
