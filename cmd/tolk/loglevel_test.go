package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestLogLevelConfig: TOLK_LOG_LEVEL is debug, info (the default), warn or
// error, in any case; anything else stops the start with an error naming
// the variable. The configuration log shows the level.
func TestLogLevelConfig(t *testing.T) {
	for value, want := range map[string]slog.Level{
		"": slog.LevelInfo, "debug": slog.LevelDebug, "info": slog.LevelInfo, "WARN": slog.LevelWarn, "error": slog.LevelError,
	} {
		cfg, err := parseConfig([]string{"serve"}, func(k string) string {
			if k == "TOLK_LOG_LEVEL" {
				return value
			}
			return ""
		}, io.Discard)
		if err != nil || cfg.LogLevel != want {
			t.Errorf("TOLK_LOG_LEVEL=%q: %v, %v; want %v", value, cfg.LogLevel, err, want)
		}
	}
	for _, bad := range []string{"warning", "verbose", "0", "info+2"} {
		_, err := parseConfig([]string{"serve"}, func(k string) string {
			if k == "TOLK_LOG_LEVEL" {
				return bad
			}
			return ""
		}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "TOLK_LOG_LEVEL") {
			t.Errorf("TOLK_LOG_LEVEL=%q: error %v, want one naming TOLK_LOG_LEVEL", bad, err)
		}
	}
	var buf strings.Builder
	slogJSON(&buf, config{LogLevel: slog.LevelWarn})
	if !strings.Contains(buf.String(), `"log_level":"WARN"`) {
		t.Errorf("the configuration log does not show the level: %s", buf.String())
	}
}

// TestLogLevelServe: through run, the default level logs each request's
// line; at warn a served request writes nothing.
func TestLogLevelServe(t *testing.T) {
	for level, wantLine := range map[string]bool{"": true, "warn": false} {
		in := start(t, map[string]string{"TOLK_DB": t.TempDir() + "/tolk.db", "TOLK_LOG_LEVEL": level})
		res, err := http.Get(in.base + "/openapi.yaml")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if err := in.shutdown(t); err != nil {
			t.Fatal(err)
		}
		logged := strings.Contains(in.stderr.String(), `"route":"/openapi.yaml"`)
		if logged != wantLine {
			t.Errorf("TOLK_LOG_LEVEL=%q: request line logged %v, want %v:\n%s", level, logged, wantLine, in.stderr)
		}
	}
}
