package invariants

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// WriteTable prints the report as a table: invariant, its DESIGN.md
// number, rows checked, violations; then the first few violations of each
// broken invariant.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "invariant\tDESIGN\tchecked\tviolations")
	for _, res := range r.Results {
		design := "-"
		if res.Design > 0 {
			design = strconv.Itoa(res.Design)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", res.Name, design, res.Checked, len(res.Violations))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	const shown = 5
	for _, res := range r.Results {
		for i, v := range res.Violations {
			if i == shown {
				fmt.Fprintf(w, "  %s: … %d more\n", res.Name, len(res.Violations)-shown)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", res.Name, v)
		}
	}
	return nil
}
