package offline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// defaultNamespace is where an Application without a namespace goes, as
// kubectl apply puts it in its context's namespace, "default" unless set.
const defaultNamespace = "default"

// manifest is an Application manifest as read from a file: the object as
// the apiserver decodes a request body, before any schema applies.
type manifest struct {
	// name is the file as the user gave it, for messages.
	name string
	obj  map[string]any
}

// describe names the object in messages: "Application NS/NAME".
func (m *manifest) describe() string {
	meta, _ := m.obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	if name == "" {
		name = "(no name)"
	}
	return fmt.Sprintf("Application %s/%s", ns, name)
}

// readManifest reads the one Application in path ("-": stdin). The file is
// decoded as kubectl sends it and the apiserver reads it: YAML to JSON,
// rejecting duplicate keys (strict field validation does), then JSON to
// untyped values with integers as int64, so the schema validation sees
// exactly what it would see in a cluster. A typed decode first would lose
// what omitempty drops, such as an explicit 0 or an empty list, and with
// it the errors the apiserver reports about them.
func readManifest(path string, stdin io.Reader) (*manifest, error) {
	name := path
	var data []byte
	var err error
	if path == "-" {
		name = "<stdin>"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}

	docs, err := documents(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a YAML stream: %w", name, err)
	}
	var objs []map[string]any
	for i, doc := range docs {
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d is not valid YAML: %w", name, i+1, err)
		}
		var v any
		if err := utiljson.Unmarshal(js, &v); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i+1, err)
		}
		switch v := v.(type) {
		case nil:
			continue // an empty document, such as a trailing "---"
		case map[string]any:
			objs = append(objs, v)
		default:
			return nil, fmt.Errorf("%s: document %d is a YAML %s, not an object (a mapping with apiVersion, kind, metadata and spec)", name, i+1, typeName(v))
		}
	}
	switch len(objs) {
	case 0:
		return nil, fmt.Errorf("%s: holds no object; want one convoy.dev/v1alpha1 Application", name)
	case 1:
	default:
		return nil, fmt.Errorf("%s: holds %d objects; want exactly one convoy.dev/v1alpha1 Application per file", name, len(objs))
	}

	m := &manifest{name: name, obj: objs[0]}
	if err := m.checkKind(); err != nil {
		return nil, err
	}
	// kubectl fills in the namespace from its context; without a
	// context, that is "default".
	meta, ok := m.obj["metadata"].(map[string]any)
	if !ok && m.obj["metadata"] == nil {
		meta = map[string]any{}
		m.obj["metadata"] = meta
	}
	if meta != nil {
		if ns, _ := meta["namespace"].(string); ns == "" {
			meta["namespace"] = defaultNamespace
		}
	}
	return m, nil
}

// documents splits a YAML stream at its "---" separators.
func documents(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
}

// checkKind refuses anything but a convoy Application: the apiserver would
// route any other kind elsewhere, so no rule of the Application CRD
// applies to it.
func (m *manifest) checkKind() error {
	apiVersion, _ := m.obj["apiVersion"].(string)
	kind, _ := m.obj["kind"].(string)
	want := convoyv1alpha1.GroupVersion.String()
	if apiVersion == want && kind == "Application" {
		return nil
	}
	var missing []string
	if apiVersion == "" {
		missing = append(missing, "apiVersion")
	}
	if kind == "" {
		missing = append(missing, "kind")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: the object has no %s; want apiVersion %s and kind Application", m.name, strings.Join(missing, " and no "), want)
	}
	return fmt.Errorf("%s: the object is a %s %s, not a convoy Application (apiVersion %s, kind Application)", m.name, apiVersion, kind, want)
}

func typeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	default:
		return "number"
	}
}
