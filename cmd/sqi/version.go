package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	commands["version"] = command{
		summary: "Print the version, the commit it was built from and the Go version.",
		run:     runVersion,
	}
}

func runVersion(_ context.Context, e *env, args []string) error {
	if err := parse(e.flags("version"), args); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	v := versionOf(bi)
	fmt.Fprintf(e.stdout, "sqi %s\ncommit: %s\ngo: %s %s/%s\n", v.version, v.commit, v.goVersion, runtime.GOOS, runtime.GOARCH)
	return nil
}

type buildVersion struct{ version, commit, goVersion string }

// versionOf reads what the Go toolchain recorded in the binary
// (debug.ReadBuildInfo; nil when there is none): the module version (a
// tagged `go install`) or "devel" (a build from a checkout), and the VCS
// revision, its time and whether the work tree had changes (a build from
// a git checkout; `make build` asks for them).
func versionOf(bi *debug.BuildInfo) buildVersion {
	v := buildVersion{version: "devel", commit: "unknown (built without version control information)", goVersion: runtime.Version()}
	if bi == nil {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.goVersion = bi.GoVersion
	}
	s := map[string]string{}
	for _, kv := range bi.Settings {
		s[kv.Key] = kv.Value
	}
	if rev := s["vcs.revision"]; rev != "" {
		v.commit = rev
		if t := s["vcs.time"]; t != "" {
			v.commit += " (" + t + ")"
		}
		if s["vcs.modified"] == "true" {
			v.commit += ", with uncommitted changes"
		}
	}
	return v
}
