package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sqiBin is the sqi binary the tests run, built once by TestMain.
var sqiBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sqi-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sqiBin = filepath.Join(dir, "sqi")
	out, err := exec.Command("go", "build", "-o", sqiBin, "sqi/cmd/sqi").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "faults: go build sqi/cmd/sqi: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sqi runs the binary to its end with the environment env.
func sqi(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := command(ctx, env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("sqi %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// mustSQI is sqi that fails the test on a non-zero exit.
func mustSQI(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, out, errOut := sqi(t, env, args...)
	if code != 0 {
		t.Fatalf("sqi %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func command(ctx context.Context, env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, sqiBin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
