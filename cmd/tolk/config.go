package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/mail"
	"github.com/tolk/tolk/web"
)

// config is the service's effective configuration: environment variables,
// overridden by flags of the same meaning.
type config struct {
	Addr          string
	DB            string
	MongoURI      string
	MongoDatabase string
	BaseURL       string
	Policy        string
	// RetentionPolicy is a file overriding the retention policy
	// (TOLK_RETENTION_POLICY; see package retention).
	RetentionPolicy string
	BootstrapKey    string
	RateLimits      bool
	// PerKey, PerAddress and PerFeed are the request rate limits
	// (TOLK_RATE_LIMIT_PER_KEY, _PER_ADDRESS, _PER_FEED), in force
	// while RateLimits is on.
	PerKey, PerAddress, PerFeed edge.Rate
	Demo                        bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (TOLK_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// OIDC configures sign-in to the web pages with the organisation's
	// OpenID Connect provider (TOLK_OIDC_ISSUER, TOLK_OIDC_CLIENT_ID,
	// TOLK_OIDC_CLIENT_SECRET); nil when unset.
	OIDC *web.OIDCConfig
	// DirectByCoordinators reserves direct booking to coordinators
	// (TOLK_DIRECT_BOOKING=coordinators); everyone else books by offer.
	DirectByCoordinators bool
	// Mail is where messages go: SMTP (TOLK_SMTP_URL, its password masked
	// in the log) or, without it, a Maildir (TOLK_MAILDIR), from
	// TOLK_MAIL_FROM.
	Mail mail.Config
	// MailRetry is the deliverer's first wait after a failed attempt
	// (TOLK_MAIL_RETRY, a Go duration; default 1m), doubling to an hour.
	MailRetry time.Duration
	// LogLevel is the least level logged (TOLK_LOG_LEVEL: debug, info,
	// warn or error; default info, which logs every request: warn keeps
	// only problems).
	LogLevel slog.Level
	// MatchTurns is how many matches are worked out at once
	// (TOLK_MATCH_TURNS; default: the CPUs the process may use with the
	// embedded store, four times that with MongoDB, whose reads wait on
	// the network). The others wait in the order they came.
	MatchTurns int
}

// logLevels are the values TOLK_LOG_LEVEL takes.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

const usage = `usage: tolk serve [--demo] [--addr ADDR] [--db FILE]
       tolk backup --to FILE | restore --from FILE [--db PATH] | check [--db PATH]

Environment: TOLK_ADDR, TOLK_DB, TOLK_MONGODB_URI, TOLK_MONGODB_DATABASE,
TOLK_BASE_URL, TOLK_POLICY, TOLK_BOOTSTRAP_ADMIN_KEY, TOLK_RATE_LIMITS,
TOLK_RATE_LIMIT_PER_KEY, TOLK_RATE_LIMIT_PER_ADDRESS, TOLK_RATE_LIMIT_PER_FEED,
TOLK_TRUSTED_PROXIES, TOLK_OIDC_ISSUER, TOLK_OIDC_CLIENT_ID,
TOLK_OIDC_CLIENT_SECRET, TOLK_DIRECT_BOOKING, TOLK_SMTP_URL, TOLK_MAIL_FROM,
TOLK_MAILDIR, TOLK_MAIL_RETRY, TOLK_LOG_LEVEL, TOLK_RETENTION_POLICY,
TOLK_MATCH_TURNS (see README.md).`

// parseConfig reads the command line and the environment through getenv.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := config{
		Addr:            env("TOLK_ADDR", ":8080"),
		DB:              env("TOLK_DB", "./tolk.db"),
		MongoURI:        getenv("TOLK_MONGODB_URI"),
		MongoDatabase:   env("TOLK_MONGODB_DATABASE", "tolk"),
		BaseURL:         strings.TrimRight(getenv("TOLK_BASE_URL"), "/"),
		Policy:          getenv("TOLK_POLICY"),
		RetentionPolicy: getenv("TOLK_RETENTION_POLICY"),
		BootstrapKey:    getenv("TOLK_BOOTSTRAP_ADMIN_KEY"),
		Mail: mail.Config{URL: getenv("TOLK_SMTP_URL"), From: env("TOLK_MAIL_FROM", mail.DefaultFrom),
			Maildir: env("TOLK_MAILDIR", mail.DefaultMaildir)},
	}
	if len(args) == 0 || args[0] != "serve" {
		return cfg, errors.New(usage)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&cfg.Demo, "demo", false, "seed fictional users and interpreters in organisation demo and print their keys")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (TOLK_ADDR)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "the embedded store's file (TOLK_DB)")
	var err error
	if err = fs.Parse(args[1:]); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), usage)
	}
	level, ok := logLevels[strings.ToLower(env("TOLK_LOG_LEVEL", "info"))]
	if !ok {
		return cfg, errors.New("TOLK_LOG_LEVEL must be debug, info, warn or error")
	}
	cfg.LogLevel = level
	switch strings.ToLower(env("TOLK_RATE_LIMITS", "on")) {
	case "on":
		cfg.RateLimits = true
	case "off":
	default:
		return cfg, errors.New("TOLK_RATE_LIMITS must be on or off")
	}
	for _, r := range []struct {
		name string
		rate *edge.Rate
		def  edge.Rate
	}{
		{"TOLK_RATE_LIMIT_PER_KEY", &cfg.PerKey, edge.DefaultPerKey},
		{"TOLK_RATE_LIMIT_PER_ADDRESS", &cfg.PerAddress, edge.DefaultPerAddress},
		{"TOLK_RATE_LIMIT_PER_FEED", &cfg.PerFeed, edge.DefaultPerFeed},
	} {
		*r.rate = r.def
		if v := getenv(r.name); v != "" {
			if *r.rate, err = edge.ParseRate(v); err != nil {
				return cfg, fmt.Errorf("%s: %w", r.name, err)
			}
		}
	}
	if k := cfg.BootstrapKey; k != "" && (len(k) < data.MinBootstrapKeyLength || len(k) > data.MaxAPIKeyLength) {
		return cfg, fmt.Errorf("TOLK_BOOTSTRAP_ADMIN_KEY must be from %d to %d characters", data.MinBootstrapKeyLength, data.MaxAPIKeyLength)
	}
	if u, err := url.Parse(cfg.BaseURL); cfg.BaseURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return cfg, errors.New("TOLK_BASE_URL must be an absolute http or https URL")
	}
	if issuer, id, secret := getenv("TOLK_OIDC_ISSUER"), getenv("TOLK_OIDC_CLIENT_ID"), getenv("TOLK_OIDC_CLIENT_SECRET"); issuer != "" || id != "" || secret != "" {
		if issuer == "" || id == "" || secret == "" {
			return cfg, errors.New("TOLK_OIDC_ISSUER, TOLK_OIDC_CLIENT_ID and TOLK_OIDC_CLIENT_SECRET must be set together")
		}
		cfg.OIDC = &web.OIDCConfig{Issuer: issuer, ClientID: id, ClientSecret: secret}
	}
	if v := getenv("TOLK_MAIL_RETRY"); v != "" {
		if cfg.MailRetry, err = time.ParseDuration(v); err != nil || cfg.MailRetry < time.Second || cfg.MailRetry > time.Hour {
			return cfg, errors.New("TOLK_MAIL_RETRY must be a duration from 1s to 1h, such as 1m")
		}
	}
	switch strings.ToLower(env("TOLK_DIRECT_BOOKING", "everyone")) {
	case "everyone":
	case "coordinators":
		cfg.DirectByCoordinators = true
	default:
		return cfg, errors.New("TOLK_DIRECT_BOOKING must be everyone or coordinators")
	}
	cfg.MatchTurns = runtime.GOMAXPROCS(0)
	if cfg.MongoURI != "" {
		cfg.MatchTurns *= 4
	}
	if v := getenv("TOLK_MATCH_TURNS"); v != "" {
		if cfg.MatchTurns, err = strconv.Atoi(v); err != nil || cfg.MatchTurns < 1 || cfg.MatchTurns > 1024 {
			return cfg, errors.New("TOLK_MATCH_TURNS must be a whole number from 1 to 1024")
		}
	}
	proxies, err := parseProxies(getenv("TOLK_TRUSTED_PROXIES"))
	if err != nil {
		return cfg, fmt.Errorf("TOLK_TRUSTED_PROXIES: %w", err)
	}
	cfg.TrustedProxies = proxies
	return cfg, nil
}

// parseProxies reads a comma-separated list of IP addresses and CIDR
// ranges ("10.0.0.0/8, 192.0.2.1"). An address stands for itself (/32 or
// /128); IPv4-mapped IPv6 forms are read as IPv4. A range with host bits
// set ("10.0.0.1/8") is refused as a likely typo.
func parseProxies(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if !strings.Contains(entry, "/") {
			addr, err := netip.ParseAddr(entry)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range", entry)
			}
			addr = addr.Unmap()
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", entry)
		}
		if p != p.Masked() {
			return nil, fmt.Errorf("%q has host bits set; did you mean %s?", entry, p.Masked())
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p)
	}
	return out, nil
}

// LogValue prints the configuration with secrets masked: the MongoDB
// password and the bootstrap key never reach a log.
func (c config) LogValue() slog.Value {
	store := "bolt"
	if c.MongoURI != "" {
		store = "mongodb"
	}
	bootstrap := "unset"
	if c.BootstrapKey != "" {
		bootstrap = "set (masked)"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("store", store),
		slog.String("db", c.DB),
		slog.String("mongodb_uri", maskURI(c.MongoURI)),
		slog.String("mongodb_database", c.MongoDatabase),
		slog.String("base_url", c.BaseURL),
		slog.String("policy", c.Policy),
		slog.String("retention_policy", c.RetentionPolicy),
		slog.String("bootstrap_admin_key", bootstrap),
		slog.Bool("rate_limits", c.RateLimits),
		slog.String("rate_limit_per_key", c.PerKey.String()),
		slog.String("rate_limit_per_address", c.PerAddress.String()),
		slog.String("rate_limit_per_feed", c.PerFeed.String()),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.Bool("demo", c.Demo),
		slog.Bool("oidc", c.OIDC != nil), // the issuer and client, never the secret
		slog.Bool("direct_booking_coordinators_only", c.DirectByCoordinators),
		slog.String("smtp_url", maskURI(c.Mail.URL)),
		slog.String("mail_from", c.Mail.From),
		slog.String("maildir", c.Mail.Maildir),
		slog.Duration("mail_retry", c.MailRetry),
		slog.String("log_level", c.LogLevel.String()),
		slog.Int("match_turns", c.MatchTurns),
	)
}

// maskURI hides the password of a connection string.
func maskURI(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable, masked)"
	}
	return u.Redacted()
}
