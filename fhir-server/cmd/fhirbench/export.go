package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the raw SELECT on SQLite

	"github.com/smartgate/pkg/benchreport"

	"github.com/smartgate/fhir-server/internal/config"
)

// exportBench measures $export of what the store holds by the
// fhir-server binary in a process of its own (so its peak RSS is the
// server's alone), beside a raw SELECT of the same rows in this process.
func exportBench(ctx context.Context, name string, cfg config.Config, out io.Writer, rep *benchreport.Reporter) error {
	dir, err := os.MkdirTemp("", "fhirbench-bin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "fhir-server")
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/smartgate/fhir-server/cmd/fhir-server").CombinedOutput(); err != nil {
		return fmt.Errorf("go build fhir-server: %v\n%s", err, b)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr + "/STU3"
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "FHIR_LISTEN_ADDR="+addr, "FHIR_BASE_URL="+base, "FHIR_DATA_DIR="+cfg.DataDir,
		"DATABASE_URL="+cfg.DatabaseURL, "FHIR_SECURITY_ENABLED=false", "FHIR_AUDIT_ENABLED=false", "FHIR_DEMO=false",
		"FHIR_EXPORT_POLL_INTERVAL=10ms", "FHIR_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	client := &http.Client{Timeout: 5 * time.Minute}
	for i := 0; ; i++ {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 600 {
			return fmt.Errorf("fhir-server not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}

	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/$export", nil)
	req.Header.Set("Prefer", "respond-async")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	status := resp.Header.Get("Content-Location")
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("kick-off: %s", resp.Status)
	}
	var m struct {
		Output []struct {
			URL   string `json:"url"`
			Count int    `json:"count"`
		} `json:"output"`
	}
	for {
		resp, err := client.Get(status)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusAccepted {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status: %s %s", resp.Status, body)
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return err
		}
		break
	}
	took := time.Since(start)
	exported := 0
	for _, f := range m.Output {
		exported += f.Count
	}
	start = time.Now()
	lines := 0
	for _, f := range m.Output {
		resp, err := client.Get(f.URL)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			lines++
		}
		resp.Body.Close()
		if err := sc.Err(); err != nil {
			return err
		}
	}
	download := time.Since(start)
	peak, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		return err
	}

	rows, rawTook, err := rawSelect(ctx, cfg)
	if err != nil {
		return err
	}
	if rows != exported || lines != exported {
		return fmt.Errorf("exported %d resources in %d lines, the store holds %d", exported, lines, rows)
	}
	rate, raw := float64(exported)/took.Seconds(), float64(rows)/rawTook.Seconds()
	fmt.Fprintf(out, "$export: %d resources in %s = %.0f resources/s (files downloaded in %s); raw SELECT of the same rows: %.0f rows/s; ratio %.2f; fhir-server peak RSS %.0f MB\n",
		exported, took.Round(time.Millisecond), rate, download.Round(time.Millisecond), raw, rate/raw, peak)
	if err := rep.Report(benchreport.AtLeast(name+": $export to NDJSON, resources/s", rate, 20000, "%.0f",
		fmt.Sprintf("raw SELECT %.0f rows/s, ratio %.2f", raw, rate/raw))); err != nil {
		return err
	}
	return rep.Report(benchreport.Below(name+": fhir-server peak RSS through $export, MB", peak, 200, "%.0f MB", ""))
}

// peakRSS is the peak resident set (VmHWM) of process pid, in MB.
func peakRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// rawSelect reads the body of every current resource with one SELECT,
// the ceiling of an export's reading.
func rawSelect(ctx context.Context, cfg config.Config) (int, time.Duration, error) {
	const q = "SELECT body FROM resources WHERE deleted = 0"
	n := 0
	start := time.Now()
	if cfg.DatabaseURL != "" {
		conn, err := pgx.Connect(ctx, cfg.DatabaseURL)
		if err != nil {
			return 0, 0, err
		}
		defer conn.Close(ctx)
		start = time.Now()
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return 0, 0, err
		}
		for rows.Next() {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return 0, 0, err
			}
			n++
		}
		return n, time.Since(start), rows.Err()
	}
	db, err := sql.Open("sqlite", "file:"+cfg.SQLitePath()+"?mode=ro")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return 0, 0, err
		}
		n++
	}
	return n, time.Since(start), rows.Err()
}
