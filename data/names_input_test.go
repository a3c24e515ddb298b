package data_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

func TestLanguageTag(t *testing.T) {
	for typed, want := range map[string]string{
		"Arabic": "ar", "arabic": "ar", "Kurdish (Sorani)": "ckb", " kurdish  (sorani) ": "ckb", "ckb": "ckb",
		"Arabic (Sudanese)": "apd", "Dari": "prs", "Tigrinya": "ti", "ar-SD": "ar-SD", "Persian (Farsi)": "fa",
	} {
		if got, _, ok := data.LanguageTag(typed); !ok || got != want {
			t.Errorf("LanguageTag(%q) = %q, %v; want %q", typed, got, ok, want)
		}
	}
	for typed, near := range map[string]string{"Arabik": "Arabic", "Sorani": "Kurdish (Sorani)", "Kurdish": "Kurdish (Sorani)", "Tigrinia": "Tigrinya"} {
		tag, nearest, ok := data.LanguageTag(typed)
		if ok || !slices.Contains(nearest, near) {
			t.Errorf("LanguageTag(%q) = %q, %v, nearest %v; want refused, suggesting %q", typed, tag, ok, nearest, near)
		}
	}
	for _, tag := range []string{"ckb", "ar", "apd", "prs", "ti"} {
		if in := data.LanguageInput(tag); in == tag {
			t.Errorf("LanguageInput(%q) shows the tag", tag)
		} else if back, _, _ := data.LanguageTag(in); back != tag {
			t.Errorf("LanguageInput(%q) = %q reads back as %q", tag, in, back)
		}
	}
}

func TestRegionCode(t *testing.T) {
	for typed, want := range map[string]string{"London": "GB-LND", "leeds": "GB-LDS", "GB-MAN": "GB-MAN", "gb-lds": "GB-LDS", "Manchester": "GB-MAN"} {
		if got, _, ok := data.RegionCode(typed); !ok || got != want {
			t.Errorf("RegionCode(%q) = %q, %v; want %q", typed, got, ok, want)
		}
	}
	if code, nearest, ok := data.RegionCode("Leds"); ok || !slices.Contains(nearest, "Leeds") {
		t.Errorf("RegionCode(Leds) = %q, %v, nearest %v; want refused, suggesting Leeds", code, ok, nearest)
	}
	if in := data.RegionInput("GB-LDS"); in != "Leeds" {
		t.Errorf("RegionInput(GB-LDS) = %q", in)
	}
}

func TestDurationWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		12 * time.Hour: "12 hours", time.Hour: "1 hour", 30 * time.Minute: "30 minutes", 90 * time.Minute: "1 hour 30 minutes",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := data.DurationWords(d); got != want {
			t.Errorf("DurationWords(%v) = %q, want %q", d, got, want)
		}
	}
}
