package kustomize

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// precheck reads the kustomization at dir and every local kustomization it
// uses, and refuses what krusty's options cannot switch off:
//
//   - remote bases and files. kustomize clones a remote base with the git
//     binary of the process and downloads an http(s) file with Go's default
//     client, whatever the filesystem and options it is given, so they must
//     be caught before the build. A reference is remote when kustomize would
//     treat it so: a URL, an scp-like user@host:path, or github.com/...;
//   - helmCharts (and the HelmChartInflationGenerator plugin), which
//     kustomize inflates by running the helm binary. It is disabled in the
//     options too; this gives the clearer message.
//
// Plugins and KRM functions are refused by the build itself (builtin
// plugins only, no exec, no containers). precheck only refuses: a file it
// cannot parse is left to the build, which reports it in kustomize's words.
func precheck(fsys *repoFS, dir string) error {
	c := checker{fsys: fsys, seen: map[string]bool{}}
	return c.visit(dir)
}

type refs struct {
	field string
	refs  []string
}

type checker struct {
	fsys *repoFS
	seen map[string]bool
}

// visit checks the kustomization in dir (absolute) and recurses into the
// local directories it uses.
func (c *checker) visit(dir string) error {
	if c.seen[dir] {
		return nil
	}
	c.seen[dir] = true
	var file string
	var data []byte
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, name)
		if b, err := c.fsys.ReadFile(p); err == nil {
			file, data = p, b
			break
		}
	}
	if file == "" {
		return nil
	}
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return nil
	}
	k.FixKustomization()
	where := c.fsys.display(file)

	if len(k.HelmCharts) > 0 || k.HelmGlobals != nil {
		return helmErr(where)
	}

	// References kustomize may load as a directory, a kustomization of its
	// own, and so a place to recurse into.
	dirRefs := []refs{
		{"resources", k.Resources},
		{"components", k.Components},
		{"generators", k.Generators},
		{"transformers", k.Transformers},
		{"validators", k.Validators},
	}
	// References kustomize loads as files.
	fileRefs := []refs{
		{"crds", k.Crds},
		{"configurations", k.Configurations},
		{"openapi.path", []string{k.OpenAPI["path"]}},
	}
	for _, p := range append(k.Patches, k.PatchesJson6902...) {
		fileRefs = append(fileRefs, refs{"patches", []string{p.Path}})
	}
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(string(p), "\n") { // otherwise an inline patch
			fileRefs = append(fileRefs, refs{"patchesStrategicMerge", []string{string(p)}})
		}
	}
	for _, r := range k.Replacements {
		fileRefs = append(fileRefs, refs{"replacements", []string{r.Path}})
	}
	for _, g := range k.ConfigMapGenerator {
		fileRefs = append(fileRefs, refs{"configMapGenerator", kvFiles(g.KvPairSources)})
	}
	for _, g := range k.SecretGenerator {
		fileRefs = append(fileRefs, refs{"secretGenerator", kvFiles(g.KvPairSources)})
	}

	for _, f := range fileRefs {
		for _, ref := range f.refs {
			if isRemote(ref) {
				return remoteErr(where, f.field, ref)
			}
		}
	}
	for _, f := range dirRefs {
		field := f.field
		for _, ref := range f.refs {
			if strings.Contains(ref, "\n") {
				// An inline plugin configuration: check the files it names.
				if err := c.inlineConfig(where, field, ref); err != nil {
					return err
				}
				continue
			}
			if isRemote(ref) {
				return remoteErr(where, field, ref)
			}
			sub := filepath.Join(dir, filepath.FromSlash(ref))
			if c.fsys.IsDir(sub) {
				if err := c.visit(sub); err != nil {
					return err
				}
			} else if field != "resources" && field != "components" {
				if b, err := c.fsys.ReadFile(sub); err == nil {
					if err := c.inlineConfig(where, field, string(b)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// inlineConfig checks the path fields of a plugin configuration (builtin
// PatchTransformer, ReplacementTransformer... name files with "path").
func (c *checker) inlineConfig(where, field, config string) error {
	for _, doc := range strings.Split(config, "\n---") {
		var m map[string]any
		if yaml.Unmarshal([]byte(doc), &m) != nil {
			continue
		}
		if m["kind"] == "HelmChartInflationGenerator" {
			return helmErr(where)
		}
		var err error
		walkStrings(m, "", func(key, v string) {
			if err == nil && (key == "path" || key == "paths") && isRemote(v) {
				err = remoteErr(where, field, v)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func walkStrings(v any, key string, fn func(key, v string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			walkStrings(e, k, fn)
		}
	case []any:
		for _, e := range v {
			walkStrings(e, key, fn)
		}
	case string:
		fn(key, v)
	}
}

// kvFiles are the file names of generator sources ("key=path" or "path").
func kvFiles(s types.KvPairSources) []string {
	var out []string
	for _, f := range s.FileSources {
		if _, p, ok := strings.Cut(f, "="); ok {
			f = p
		}
		out = append(out, f)
	}
	return append(out, s.EnvSources...)
}

var scpUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isRemote reports whether kustomize would fetch ref over the network:
// the rules of its git.NewRepoSpecFromURL and loader.IsRemoteFile, made
// broader (any "scheme://") so that nothing slips through.
func isRemote(ref string) bool {
	s := strings.ToLower(strings.TrimSpace(ref))
	s = strings.TrimPrefix(s, "git::")
	return strings.Contains(s, "://") ||
		strings.HasPrefix(s, "github.com/") || strings.HasPrefix(s, "github.com:") ||
		scpUser.MatchString(s)
}

func helmErr(where string) error {
	return fmt.Errorf("%s: helmCharts are not supported: kustomize would run the helm binary to inflate them; "+
		"use a Helm chart source for charts", where)
}

func remoteErr(where, field, ref string) error {
	return fmt.Errorf("%s: %s entry %q is remote: remote bases and files are disabled; "+
		"a kustomization may only use files of its own repository", where, field, redactURL(ref))
}
