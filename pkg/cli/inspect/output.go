package inspect

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// Output formats, as -o takes them.
const (
	formatTree  = "tree"
	formatWide  = "wide"
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

// writeDocument prints a view as an indented JSON or a YAML document. The
// views' json tags name the fields of both.
func writeDocument(w io.Writer, format string, v any) error {
	var data []byte
	var err error
	switch format {
	case formatJSON:
		data, err = json.MarshalIndent(v, "", "  ")
		data = append(data, '\n')
	case formatYAML:
		data, err = yaml.Marshal(v)
	default:
		return fmt.Errorf("no document format %q", format)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
