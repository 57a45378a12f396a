package main

import (
	"runtime/debug"
)

// version is the module version and the commit the binary was built from,
// as Go records them: "v0.3.0" for `go install …@v0.3.0`, "(devel)" plus
// the commit for a build in a checkout, with "+dirty" when the checkout
// had uncommitted changes.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " commit " + rev
		if modified == "true" {
			v += "+dirty"
		}
	}
	return v
}
