package inspect

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/duration"
)

// none fills a cell that has no value, so columns never look shifted.
const none = "—"

// table is the one writer every printer uses, for kubectl-like columns. It
// counts widths in runes rather than bytes, so cells with "·" or "—" still
// line up, and it can cut the last column to keep a line within a width,
// which the tree needs for long health messages.
type table struct {
	rows [][]string
}

func newTable(header ...string) *table {
	return &table{rows: [][]string{header}}
}

// row adds a row. Cells are put on one line: a condition message with a
// newline would otherwise break the table.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.Join(strings.Fields(c), " ")
		if cells[i] == "" {
			cells[i] = none
		}
	}
	t.rows = append(t.rows, cells)
}

// write prints the table with each line prefixed by indent, columns two
// spaces apart and no trailing spaces. With maxWidth > 0, a line longer than
// maxWidth has its last cell shortened to fit, ending in "…".
func (t *table) write(w io.Writer, indent string, maxWidth int) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(r)-1 {
				break // the last column is never padded
			}
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		b.WriteString(indent)
		used := utf8.RuneCountInString(indent)
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(truncate(c, maxWidth-used, maxWidth > 0))
				break
			}
			pad := widths[i] - utf8.RuneCountInString(c) + 2
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", pad))
			used += utf8.RuneCountInString(c) + pad
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// truncate shortens s to at most width runes when limit is set, marking the
// cut with "…". It keeps at least the first rune so a cell never vanishes.
func truncate(s string, width int, limit bool) string {
	if !limit || utf8.RuneCountInString(s) <= width {
		return s
	}
	runes := []rune(s)
	return string(runes[:max(width-1, 1)]) + "…"
}

// age is kubectl's AGE: how long ago t was, in its short human form.
func age(t time.Time, now time.Time) string {
	if t.IsZero() {
		return none
	}
	return duration.HumanDuration(now.Sub(t))
}
