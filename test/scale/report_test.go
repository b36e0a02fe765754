//go:build scale

package scale

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// verdict is how a figure compares with its goal.
type verdict int

const (
	verdictNA verdict = iota // reported, no goal
	verdictMet
	verdictMissed
)

func verdictOf(met bool) verdict {
	if met {
		return verdictMet
	}
	return verdictMissed
}

func (v verdict) String() string {
	switch v {
	case verdictMet:
		return "met"
	case verdictMissed:
		return "MISSED"
	}
	return ""
}

// report is the run's table: each figure with its goal.
type report struct {
	title string
	rows  [][4]string
}

func (r *report) add(figure, value, goal string, v verdict) {
	r.rows = append(r.rows, [4]string{figure, value, goal, v.String()})
}

// print logs the table, as far as the run got.
func (r *report) print(b *testing.B) {
	if len(r.rows) == 0 {
		return
	}
	rows := append([][4]string{{"figure", "measured", "goal", ""}}, r.rows...)
	var width [4]int
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s\n", r.title)
	for i, row := range rows {
		for j, cell := range row {
			fmt.Fprintf(&out, "  %s%s", cell, strings.Repeat(" ", width[j]-utf8.RuneCountInString(cell)))
		}
		out.WriteString("\n")
		if i == 0 {
			fmt.Fprintf(&out, "  %s\n", strings.Repeat("-", width[0]+width[1]+width[2]+width[3]+6))
		}
	}
	b.Log("\n" + out.String())
}
