package kustomize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// repository is a source's git repository as git is given it.
type repository struct {
	// url is what git fetches from. For http(s), user info is moved out of
	// the URL into creds, so no password reaches a command line.
	url string
	// display names the repository in messages and logs: url with any
	// password redacted.
	display string
	// key names the repository in the cache: its URL and the identity of
	// the credentials it is fetched with (credentialIdentity), so a
	// checkout fetched with one tenant's credentials is never served to a
	// render without them.
	key string
	// creds are the request's credentials, or those of the URL.
	creds *render.Credentials
}

// parseRepository checks a source's repoURL (the CRD's pattern, enforced
// again because a Renderer may be called with anything) and separates it
// from its credentials.
func parseRepository(raw string, creds *render.Credentials) (*repository, error) {
	invalid := func(why string) error {
		return render.Errorf(render.ReasonUnsupportedSource, "git repository %q: %s", redactURL(raw), why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalid("not a URL")
	}
	switch u.Scheme {
	case "http", "https", "ssh", "git":
		if u.Host == "" {
			return nil, invalid("no host")
		}
	case "file":
		if !path.IsAbs(u.Path) || u.Host != "" {
			return nil, invalid("a file:// URL needs an absolute path and no host")
		}
	default:
		return nil, invalid("the scheme must be https, http, ssh, git or file")
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return nil, invalid("white space in the URL")
	}
	repo := &repository{url: raw, display: u.Redacted(), creds: creds}
	if u.User != nil && (u.Scheme == "http" || u.Scheme == "https") {
		if creds == nil || (creds.Username == "" && creds.Password == "") {
			c := render.Credentials{}
			if creds != nil {
				c = *creds
			}
			c.Username = u.User.Username()
			c.Password, _ = u.User.Password()
			repo.creds = &c
		}
		u.User = nil
		repo.url = u.String()
		repo.display = repo.url
	}
	repo.key = cacheKey(repo.url, repo.creds)
	return repo, nil
}

// cacheKey names a repository fetched with creds in the cache. Anonymous
// fetches keep the key of the URL alone. The credentials enter only
// through a hash, so nothing secret appears in a path.
func cacheKey(url string, creds *render.Credentials) string {
	h := sha256.New()
	h.Write([]byte(url))
	if id := credentialIdentity(creds); id != nil {
		h.Write([]byte{0})
		h.Write(id)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// credentialIdentity is a digest of everything that makes up the
// credentials (user, password, client certificate and key, CA, TLS
// verification), nil for none. Each field is hashed on its own, length
// first, so no two credentials share an identity by moving bytes between
// fields.
func credentialIdentity(c *render.Credentials) []byte {
	if c == nil {
		return nil
	}
	fields := [][]byte{[]byte(c.Username), []byte(c.Password), c.CAData, c.CertData, c.KeyData}
	if !c.InsecureSkipVerify && slices.IndexFunc(fields, func(f []byte) bool { return len(f) > 0 }) < 0 {
		return nil // empty credentials are none
	}
	h := sha256.New()
	for _, field := range fields {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	if c.InsecureSkipVerify {
		h.Write([]byte{1})
	}
	return h.Sum(nil)
}

var userInfo = regexp.MustCompile(`://[^/@]*@`)

// redactURL hides the password of a URL, or all user info of a string that
// does not parse as one.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return userInfo.ReplaceAllString(raw, "://***@")
}
