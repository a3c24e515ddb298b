package web

// OIDCConfig configures sign-in with an OpenID Connect provider.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
}

// oidcClient is the OpenID Connect sign-in (being built).
type oidcClient struct{}

func newOIDCClient(cfg OIDCConfig, baseURL string) *oidcClient { return &oidcClient{} }

var oidcFailures = map[string]string{}

func (p *Pages) oidcStart(r *request) error    { return errNotFound }
func (p *Pages) oidcCallback(r *request) error { return errNotFound }
